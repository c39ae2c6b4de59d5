// Message catalogs and formatting: every text a person reads comes from here. Catalogs are JSON
// side by side (nl is the reference and the default); ICU MessageFormat for plurals and
// selects; dates in the person's time zone with Intl (Gregorian). See docs/web.md, "Add a
// language".
import { IntlMessageFormat, type Formatters } from "intl-messageformat";
import { Error_Code } from "../proto";
import type { ErrorCode } from "../client/protocol";
import ar from "./ar.json";
import en from "./en.json";
import nl from "./nl.json";
import ti from "./ti.json";

export const LANGUAGES = ["nl", "en", "ar", "ti"] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = "nl";
export const DEFAULT_TIME_ZONE = "Europe/Amsterdam";

export interface CatalogMeta {
  language: string;
  name: string;           // the language's own name, for the switch
  dir: "ltr" | "rtl";
  intlLocale: string;     // for Intl: dates, numbers, lists, plurals
  draft: boolean;         // true: to be reviewed by a native speaker (docs/web.md)
  review?: string;
}
export interface Catalog {
  meta: CatalogMeta;
  messages: Record<string, string>;
}

export type MessageKey = keyof typeof nl.messages;
export const CATALOGS: Record<Language, Catalog> = {
  nl: nl as Catalog,
  en: en as Catalog,
  ar: ar as Catalog,
  ti: ti as Catalog,
};

export function isLanguage(s: unknown): s is Language {
  return typeof s === "string" && (LANGUAGES as readonly string[]).includes(s);
}

// The first of the browser's languages we have, by primary subtag ("ar-SY" -> ar), else nl.
export function negotiateLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0];
    if (isLanguage(primary)) return primary;
  }
  return DEFAULT_LANGUAGE;
}

// Isolates user-supplied text (names, titles) for bidi inside a sentence: U+2068 FIRST STRONG
// ISOLATE ... U+2069 POP DIRECTIONAL ISOLATE, the plain-text twin of <bdi>. An Arabic name in a
// Dutch sentence, or a stray U+202E in a name, cannot reorder the text around it.
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}
export function stripIsolates(text: string): string {
  return text.replace(/[\u2068\u2069]/g, "");
}

// CLDR plural rules for Tigrinya (one: n = 0..1), for browsers whose ICU data lacks them.
export const TIGRINYA_PLURALS = {
  select: (n: number) => (n === 0 || n === 1 ? "one" : "other"),
  resolvedOptions: () => ({ locale: "ti", pluralCategories: ["one", "other"] }),
} as unknown as Intl.PluralRules;

export function pluralRules(locale: string, options?: Intl.PluralRulesOptions): Intl.PluralRules {
  const supported = Intl.PluralRules.supportedLocalesOf([locale]).length > 0;
  if (!supported && locale.split("-")[0] === "ti" && options?.type !== "ordinal") {
    return TIGRINYA_PLURALS;
  }
  return new Intl.PluralRules(locale, options);
}

const FORMATTERS: Formatters = {
  getNumberFormat: (locales, opts) => new Intl.NumberFormat(locales, opts as Intl.NumberFormatOptions),
  getDateTimeFormat: (...args) => new Intl.DateTimeFormat(...args),
  getPluralRules: (locales, opts) =>
    pluralRules(Array.isArray(locales) ? (locales[0] ?? "en") : (locales ?? "en"), opts),
};

export type Values = Record<string, string | number>;

export class Translator {
  readonly catalog: Catalog;
  private readonly cache = new Map<string, IntlMessageFormat>();
  private readonly dateFormats = new Map<string, Intl.DateTimeFormat>();

  constructor(
    readonly language: Language = DEFAULT_LANGUAGE,
    readonly timeZone: string = DEFAULT_TIME_ZONE,
  ) {
    this.catalog = CATALOGS[language];
  }

  get dir(): "ltr" | "rtl" {
    return this.catalog.meta.dir;
  }
  get locale(): string {
    return this.catalog.meta.intlLocale;
  }

  // The message in this language (the Dutch one if a key were missing, which a test prevents).
  t(key: MessageKey, values?: Values): string {
    let format = this.cache.get(key);
    if (!format) {
      const source = this.catalog.messages[key] ?? CATALOGS.nl.messages[key] ?? key;
      format = new IntlMessageFormat(source, this.locale, undefined, {
        formatters: FORMATTERS,
        ignoreTag: true,
      });
      this.cache.set(key, format);
    }
    return String(format.format(values as Record<string, string | number>));
  }

  private dtf(name: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
    let f = this.dateFormats.get(name);
    if (!f) {
      f = new Intl.DateTimeFormat(this.locale, { ...options, timeZone: this.timeZone, calendar: "gregory" });
      this.dateFormats.set(name, f);
    }
    return f;
  }

  // "31 Dec", with the year when it is not the year of `nowMs`.
  shortDate(ms: number, nowMs: number = Date.now()): string {
    const sameYear = this.year(ms) === this.year(nowMs);
    return sameYear
      ? this.dtf("dm", { day: "numeric", month: "short" }).format(ms)
      : this.dtf("dmy", { day: "numeric", month: "short", year: "numeric" }).format(ms);
  }
  // "Monday 7 December 2026": a day heading.
  longDay(ms: number): string {
    return this.dtf("full", { dateStyle: "full" }).format(ms);
  }
  time(ms: number): string {
    return this.dtf("hm", { hour: "2-digit", minute: "2-digit" }).format(ms);
  }
  // "09:12–14:30", in the locale's own way of writing a range.
  timeRange(fromMs: number, toMs: number): string {
    return this.dtf("hm", { hour: "2-digit", minute: "2-digit" }).formatRange(fromMs, toMs);
  }
  dateTime(ms: number): string {
    return this.dtf("dt", { dateStyle: "medium", timeStyle: "short" }).format(ms);
  }
  // "2026-12-07" for the day `ms` falls on in the person's time zone (for grouping).
  dayKey(ms: number): string {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: this.timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).formatToParts(ms);
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
    return `${get("year")}-${get("month")}-${get("day")}`;
  }
  private year(ms: number): string {
    return this.dtf("y", { year: "numeric" }).format(ms);
  }

  // "Werk, Wonen en Zorg" (items already isolated by the caller when they are user text).
  list(items: readonly string[]): string {
    return new Intl.ListFormat(this.locale, { type: "conjunction" }).format(items);
  }

  // What happened and what to do, for a typed error from kringd (or a lost connection).
  errorText(code: ErrorCode): string {
    switch (code) {
      case "offline":
        return this.t("error.offline");
      case Error_Code.UNAUTHENTICATED:
        return this.t("error.unauthenticated");
      case Error_Code.PERMISSION_DENIED:
        return this.t("error.permissionDenied");
      case Error_Code.NOT_FOUND:
        return this.t("error.notFound");
      case Error_Code.INVALID_ARGUMENT:
        return this.t("error.invalidArgument");
      case Error_Code.ALREADY_EXISTS:
        return this.t("error.alreadyExists");
      case Error_Code.FAILED_PRECONDITION:
        return this.t("error.failedPrecondition");
      case Error_Code.RESOURCE_EXHAUSTED:
        return this.t("error.resourceExhausted");
      case Error_Code.INTERNAL:
        return this.t("error.internal");
      case Error_Code.UNIMPLEMENTED:
        return this.t("error.unimplemented");
      default:
        return this.t("error.unknown");
    }
  }
}
