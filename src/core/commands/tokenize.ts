// Splits a command line into words, keeping "quoted text" (straight or curly quotes, which
// phones and chat clients like to insert) together.
import { isRefusedControlCharacter } from '../contract.js';

export type TokenizeResult = { ok: true; tokens: string[] } | { ok: false; error: string };

const QUOTE_PAIRS: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’' };

export function tokenize(line: string): TokenizeResult {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let closingQuote: string | null = null;
  for (const char of line) {
    if (closingQuote !== null) {
      if (char === closingQuote) closingQuote = null;
      else current += char;
      continue;
    }
    if (char in QUOTE_PAIRS) {
      closingQuote = QUOTE_PAIRS[char] ?? null;
      inToken = true;
      continue;
    }
    // A refused control character (\r, \v, …) is no separator: it stays in its word, so the
    // contract refuses it by name as it does in options a platform parsed itself.
    if (/\s/.test(char) && !isRefusedControlCharacter(char)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
      continue;
    }
    current += char;
    inToken = true;
  }
  if (closingQuote !== null) {
    return { ok: false, error: `A quote is not closed: add the closing ${closingQuote}.` };
  }
  if (inToken) tokens.push(current);
  return { ok: true, tokens };
}
