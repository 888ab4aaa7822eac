// Discord's published contract for the fake: the request bodies of the routes the bot uses,
// and the messages the fake answers with, checked against the zod schemas that
// discord-api-spec generates from Discord's OpenAPI document. The schemas let unknown fields
// through; types, lengths, ranges and enums are checked.
import {
  ApplicationCommandAutocompleteCallbackRequestSchema,
  ApplicationCommandUpdateRequestSchema,
  CreateMessageInteractionCallbackRequestSchema,
  IncomingWebhookRequestPartialSchema,
  IncomingWebhookUpdateRequestPartialSchema,
  MessageCreateRequestSchema,
  MessageEditRequestPartialSchema,
  MessageResponseSchema,
} from 'discord-api-spec/zod';
import * as z from 'zod/mini';

interface Route {
  method: string;
  /** The path after /api/v10. */
  path: RegExp;
  /** The body's schema, or a function picking it by the body (a route taking several kinds). */
  body: z.ZodMiniType | ((body: unknown) => z.ZodMiniType);
  /** Known differences between Discord's OpenAPI document and its API, undone before the check. */
  normalize?: (body: unknown) => unknown;
  /** The answer is a message. */
  answersMessage?: boolean;
}

const ROUTES: Route[] = [
  {
    method: 'POST',
    path: /^\/channels\/\d+\/messages$/,
    body: MessageCreateRequestSchema,
    answersMessage: true,
  },
  {
    method: 'PATCH',
    path: /^\/channels\/\d+\/messages\/\d+$/,
    body: MessageEditRequestPartialSchema,
    answersMessage: true,
  },
  {
    method: 'POST',
    path: /^\/interactions\/\d+\/[^/]+\/callback$/,
    // A message (4, 5) or autocomplete choices (8): the schema of the body's own type.
    body: (body) =>
      (body as { type?: unknown } | undefined)?.type === 8
        ? ApplicationCommandAutocompleteCallbackRequestSchema
        : CreateMessageInteractionCallbackRequestSchema,
  },
  {
    method: 'POST',
    path: /^\/webhooks\/\d+\/[^/]+$/,
    body: z.union([IncomingWebhookRequestPartialSchema, IncomingWebhookUpdateRequestPartialSchema]),
    answersMessage: true,
  },
  {
    method: 'PATCH',
    path: /^\/webhooks\/\d+\/[^/]+\/messages\/[^/]+$/,
    body: IncomingWebhookUpdateRequestPartialSchema,
    answersMessage: true,
  },
  {
    method: 'PUT',
    path: /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/,
    body: z.array(ApplicationCommandUpdateRequestSchema),
    // The OpenAPI document types default_member_permissions as a number in requests; Discord's
    // reference documents a string bit set, which the API takes and discord.js sends ("32").
    normalize: (body) =>
      Array.isArray(body)
        ? body.map((command: Record<string, unknown>) =>
            typeof command.default_member_permissions === 'string'
              ? {
                  ...command,
                  default_member_permissions: Number(command.default_member_permissions),
                }
              : command,
          )
        : body,
  },
];

export interface ContractProblem {
  /** Where the field is, e.g. `allowed_mentions.parse.0`. */
  field: string;
  message: string;
}

function problemsOf(schema: z.ZodMiniType, value: unknown): ContractProblem[] {
  const result = z.safeParse(schema, value);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}

/** What is wrong with a request body for Discord; empty when it passes (or no schema applies). */
export function requestProblems(method: string, path: string, body: unknown): ContractProblem[] {
  const route = ROUTES.find((r) => r.method === method && r.path.test(path));
  if (!route) return [];
  const normalized = route.normalize ? route.normalize(body) : body;
  const schema = typeof route.body === 'function' ? route.body(normalized) : route.body;
  return [...problemsOf(schema, normalized), ...timestampProblems(normalized)];
}

/**
 * Discord's timestamp markup in a message's content: `<t:SECONDS>` or `<t:SECONDS:STYLE>` with
 * a style of t T d D f F R; anything else (milliseconds, an unknown style) shows as plain text.
 */
function timestampProblems(body: unknown): ContractProblem[] {
  const content = (body as { content?: unknown } | null)?.content;
  if (typeof content !== 'string') return [];
  return [...content.matchAll(/<t:[^>]*>/g)]
    .filter(([markup]) => !/^<t:-?\d{1,11}(:[tTdDfFR])?>$/.test(markup))
    .map(([markup]) => ({ field: 'content', message: `${markup} is no Discord timestamp` }));
}

/** What is wrong with the fake's own answer to a route that answers with a message. */
export function responseProblems(method: string, path: string, body: unknown): ContractProblem[] {
  const route = ROUTES.find((r) => r.method === method && r.path.test(path));
  return route?.answersMessage ? problemsOf(MessageResponseSchema, body) : [];
}

/**
 * Discord's answer to a body it refuses: 400, 50035 Invalid Form Body, with the fields in
 * `errors` ({ content: { _errors: [{ code, message }] } }).
 */
export function invalidFormBody(problems: ContractProblem[]) {
  const errors: Record<string, unknown> = {};
  for (const problem of problems) {
    let node = errors;
    for (const key of problem.field.split('.')) {
      node = (node[key] ??= {}) as Record<string, unknown>;
    }
    node._errors = [{ code: 'INVALID_FORM_BODY', message: problem.message }];
  }
  return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors } };
}
