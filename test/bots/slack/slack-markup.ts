// Slack's message markup, as the fake Slack checks it: in text Slack reads `<…>` as markup
// (mentions, channel links, special mentions, dates, links) and `&`, `<`, `>` elsewhere must be
// escaped (https://docs.slack.dev/messaging/formatting-message-text). A `<` that opens no valid
// form is user text the bot forgot to escape; a date with an unknown token shows as its fallback.

/** The tokens a `<!date^…>` may use. */
const DATE_TOKENS = new Set([
  'date_num',
  'date',
  'date_short',
  'date_long',
  'date_pretty',
  'date_short_pretty',
  'date_long_pretty',
  'time',
  'time_secs',
  'ago',
]);

const FORMS: { name: string; pattern: RegExp }[] = [
  { name: 'user mention', pattern: /^@[UW][A-Z0-9]+(\|[^|]+)?$/ },
  { name: 'channel link', pattern: /^#C[A-Z0-9]+(\|[^|]+)?$/ },
  { name: 'special mention', pattern: /^!(here|channel|everyone)$|^!subteam\^[A-Z0-9]+$/ },
  { name: 'date', pattern: /^!date\^\d+\^[^^|]+(\^[^^|]+)?\|[^|]+$/ },
  { name: 'link', pattern: /^(https?:\/\/|mailto:)[^\s|]+(\|[^|]+)?$/ },
];

/** What is wrong with the markup of `text`; empty when Slack reads it as meant. */
export function slackMarkupProblems(text: string): string[] {
  const problems: string[] = [];
  const outside = text.replace(/<([^<>]*)>/g, (_, inner: string) => {
    const form = FORMS.find(({ pattern }) => pattern.test(inner));
    if (!form) problems.push(`"<${inner}>" is no Slack markup (unescaped text?)`);
    if (form?.name === 'date') {
      const format = inner.split('|')[0]!.split('^')[2]!;
      for (const [, token] of format.matchAll(/\{([^}]*)\}/g)) {
        if (!DATE_TOKENS.has(token!)) problems.push(`"{${token}}" is not a Slack date token`);
      }
    }
    return '';
  });
  if (/[<>]/.test(outside)) problems.push('a bare "<" or ">" (Slack wants &lt; and &gt;)');
  if (/&(?!amp;|lt;|gt;)/.test(outside)) problems.push('a bare "&" (Slack wants &amp;)');
  return problems;
}
