// Slack reads `&`, `<` and `>` as markup (<@U123> mentions, <!channel> pings, <url|links>).
// Everything we post contains user text (the prompt), so it is escaped as Slack asks:
// https://docs.slack.dev/messaging/formatting-message-text#escaping
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack sends command text with `&`, `<`, `>` escaped; the core wants what the user typed. */
export function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * A time in Slack's date markup: each reader sees it in their own time zone ("at 10:31:05 AM");
 * clients that cannot show it get the fallback in UTC.
 * https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 */
export function slackTime(at: number): string {
  const fallback = `${new Date(at).toISOString().slice(11, 19)} UTC`;
  return `at <!date^${Math.floor(at / 1000)}^{time_secs}|${fallback}>`;
}
