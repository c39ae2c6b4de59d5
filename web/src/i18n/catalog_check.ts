// Checks a catalog against the reference (nl): the same keys, the same placeholders in each
// message, and in every plural exactly the categories the language's plural rules use (Arabic:
// zero, one, two, few, many, other; Tigrinya: one, other). Used by the i18n test and handy for
// translators (docs/web.md).
import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { pluralRules, type Catalog } from "./i18n";

export function placeholders(message: string): Set<string> {
  const names = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const el of elements) {
      switch (el.type) {
        case TYPE.argument:
        case TYPE.number:
        case TYPE.date:
        case TYPE.time:
          names.add(el.value);
          break;
        case TYPE.select:
        case TYPE.plural:
          names.add(el.value);
          for (const option of Object.values(el.options)) walk(option.value);
          break;
        case TYPE.tag:
          names.add(`<${el.value}>`);
          walk(el.children);
          break;
      }
    }
  };
  walk(parse(message, { ignoreTag: true }));
  return names;
}

// The plural categories used by each plural argument of the message, by argument name.
export function pluralCategories(message: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const el of elements) {
      if (el.type === TYPE.plural && el.pluralType !== "ordinal") {
        const cats = found.get(el.value) ?? new Set<string>();
        for (const key of Object.keys(el.options)) if (!key.startsWith("=")) cats.add(key);
        found.set(el.value, cats);
      }
      if (el.type === TYPE.select || el.type === TYPE.plural) {
        for (const option of Object.values(el.options)) walk(option.value);
      }
      if (el.type === TYPE.tag) walk(el.children);
    }
  };
  walk(parse(message, { ignoreTag: true }));
  return found;
}

// Problems with `catalog` compared to `reference`, as sentences for a translator; [] when fine.
export function checkCatalog(catalog: Catalog, reference: Catalog): string[] {
  const problems: string[] = [];
  const lang = catalog.meta.language;
  const needed = new Set<string>(
    pluralRules(catalog.meta.intlLocale).resolvedOptions().pluralCategories,
  );
  for (const key of Object.keys(reference.messages)) {
    if (!(key in catalog.messages)) problems.push(`${lang}: missing key ${key}`);
  }
  for (const [key, message] of Object.entries(catalog.messages)) {
    const ref = reference.messages[key];
    if (ref === undefined) {
      problems.push(`${lang}: key ${key} is not in the reference catalog`);
      continue;
    }
    let mine: Set<string>;
    try {
      mine = placeholders(message);
    } catch (e) {
      problems.push(`${lang}: ${key} does not parse: ${(e as Error).message}`);
      continue;
    }
    const theirs = placeholders(ref);
    const missing = [...theirs].filter((p) => !mine.has(p));
    const extra = [...mine].filter((p) => !theirs.has(p));
    if (missing.length || extra.length) {
      problems.push(
        `${lang}: ${key} placeholders differ (missing: ${missing.join(", ") || "-"}; ` +
          `extra: ${extra.join(", ") || "-"})`,
      );
    }
    for (const [arg, cats] of pluralCategories(message)) {
      const lacking = [...needed].filter((c) => !cats.has(c));
      const unused = [...cats].filter((c) => !needed.has(c));
      if (lacking.length || unused.length) {
        problems.push(
          `${lang}: ${key} plural {${arg}} needs ${[...needed].join(", ")} ` +
            `(lacking: ${lacking.join(", ") || "-"}; not used in ${lang}: ${unused.join(", ") || "-"})`,
        );
      }
    }
  }
  return problems;
}
