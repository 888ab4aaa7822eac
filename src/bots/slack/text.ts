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
