/// <reference types="node" />
// Changing the password: the app's own checks match kringd's limits (12..1024 bytes of UTF-8),
// and kringd's refusals are told apart so the screen can say what to do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Error_Code } from "../src/proto";
import {
  MAX_PASSWORD_BYTES,
  MIN_PASSWORD_BYTES,
  checkNewPassword,
  passwordBytes,
  problemOfRefusal,
} from "../src/state/password";
import { CATALOGS, LANGUAGES, Translator } from "../src/i18n/i18n";

const OLD = "eenmalig-wachtwoord-123";

test("the limits are kringd's, in bytes of UTF-8", () => {
  assert.equal(MIN_PASSWORD_BYTES, 12);
  assert.equal(MAX_PASSWORD_BYTES, 1024);
  assert.equal(passwordBytes("ሰላም"), 9);  // three Ge'ez letters, three bytes each
  assert.equal(checkNewPassword(OLD, "a".repeat(11), "a".repeat(11)), "tooShort");
  assert.equal(checkNewPassword(OLD, "a".repeat(12), "a".repeat(12)), undefined);
  assert.equal(checkNewPassword(OLD, "a".repeat(1024), "a".repeat(1024)), undefined);
  assert.equal(checkNewPassword(OLD, "a".repeat(1025), "a".repeat(1025)), "tooLong");
  // Four Ge'ez letters are 12 bytes: kringd takes them, so the app does too.
  assert.equal(checkNewPassword(OLD, "ሰላም ሰ", "ሰላም ሰ"), undefined);
  assert.equal(checkNewPassword(OLD, "ሰላም", "ሰላም"), "tooShort");
});

test("the form is checked in the order a person fills it in", () => {
  assert.equal(checkNewPassword("", "kort", "kort"), "currentEmpty");
  assert.equal(checkNewPassword(OLD, "kort", "anders"), "tooShort");
  assert.equal(checkNewPassword(OLD, "lang-genoeg-wachtwoord", "lang-genoeg-wachtwoord!"), "notRepeated");
  assert.equal(checkNewPassword(OLD, OLD, OLD), "sameAsCurrent");
  assert.equal(checkNewPassword(OLD, "lang-genoeg-wachtwoord", "lang-genoeg-wachtwoord"), undefined);
});

test("kringd's refusals of ChangePassword, told apart", () => {
  const NEW = "lang-genoeg-wachtwoord";
  assert.equal(problemOfRefusal(Error_Code.PERMISSION_DENIED, OLD, NEW), "currentWrong");
  assert.equal(problemOfRefusal(Error_Code.INVALID_ARGUMENT, OLD, OLD), "sameAsCurrent");
  assert.equal(problemOfRefusal(Error_Code.INVALID_ARGUMENT, OLD, "kort"), "tooShort");
  assert.equal(problemOfRefusal(Error_Code.INVALID_ARGUMENT, OLD, "x".repeat(2000)), "tooLong");
  assert.equal(problemOfRefusal(Error_Code.INVALID_ARGUMENT, OLD, NEW), "notAllowed");
  assert.equal(problemOfRefusal(Error_Code.FAILED_PRECONDITION, OLD, NEW), "changedMeanwhile");
  assert.equal(problemOfRefusal(Error_Code.RESOURCE_EXHAUSTED, OLD, NEW), "throttled");
  assert.equal(problemOfRefusal("offline", OLD, NEW), "other");
  assert.equal(problemOfRefusal(Error_Code.INTERNAL, OLD, NEW), "other");
});

test("every language says the rules with kringd's minimum", () => {
  for (const lang of LANGUAGES) {
    const t = new Translator(lang);
    const rules = t.t("password.rules", { min: MIN_PASSWORD_BYTES });
    const digits = new Intl.NumberFormat(CATALOGS[lang].meta.intlLocale).format(12);
    assert.ok(rules.includes(digits), `${lang}: ${rules}`);
    assert.ok(t.t("password.error.tooShort", { min: MIN_PASSWORD_BYTES }).includes(digits), lang);
  }
});
