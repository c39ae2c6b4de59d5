// Changing the password: the checks the app makes before asking kringd, and kringd's refusals
// told apart, each as a problem the screen says in the person's words. kringd stays the one that
// decides (server/core/password.h: 12 to 1024 bytes of UTF-8; ChangePassword in
// server/service/account_actions.cc): these checks only save a round trip and name the cause.
import { Error_Code } from "../proto";
import type { ErrorCode } from "../client/protocol";

// kMinPasswordBytes and kMaxPasswordBytes in server/core/password.h. Bytes, not characters: a
// letter of Ge'ez or Arabic takes two or three, so the rule "at least 12 characters" is never
// stricter than kringd's.
export const MIN_PASSWORD_BYTES = 12;
export const MAX_PASSWORD_BYTES = 1024;

export type PasswordProblem =
  | "currentEmpty"
  | "tooShort"
  | "tooLong"
  | "notRepeated"   // the two new ones differ
  | "sameAsCurrent"
  | "currentWrong"
  | "changedMeanwhile"
  | "throttled"
  | "notAllowed"    // refused as invalid for a reason this app does not know
  | "other";

export function passwordBytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

// What is wrong with the form before it goes to kringd, or undefined when it may go.
export function checkNewPassword(current: string, next: string, repeat: string): PasswordProblem | undefined {
  if (current === "") return "currentEmpty";
  const bytes = passwordBytes(next);
  if (bytes < MIN_PASSWORD_BYTES) return "tooShort";
  if (bytes > MAX_PASSWORD_BYTES) return "tooLong";
  if (next !== repeat) return "notRepeated";
  if (next === current) return "sameAsCurrent";
  return undefined;
}

// kringd's refusal of a ChangePasswordRequest as a problem. INVALID_ARGUMENT is either the
// length or the new password being the current one; what was sent tells which.
export function problemOfRefusal(code: ErrorCode, current: string, next: string): PasswordProblem {
  switch (code) {
    case Error_Code.PERMISSION_DENIED:
      return "currentWrong";
    case Error_Code.INVALID_ARGUMENT: {
      if (next === current) return "sameAsCurrent";
      const bytes = passwordBytes(next);
      if (bytes < MIN_PASSWORD_BYTES) return "tooShort";
      if (bytes > MAX_PASSWORD_BYTES) return "tooLong";
      return "notAllowed";
    }
    case Error_Code.FAILED_PRECONDITION:
      return "changedMeanwhile";
    case Error_Code.RESOURCE_EXHAUSTED:
      return "throttled";
    default:
      return "other";
  }
}
