import * as z from 'zod';
import { ValidationError } from './errors';
import { codePointLabel, emojiSequencePositions, invisibleClass, limits, resourceTypes, sortOrders, type ResourceType } from './rules';

export { limits, sortOrders, visibleName, type SortOrder } from './rules';

// C0 and C1 control characters (tab and newline included): never wanted in a one-line name.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;
/** Characters as Postgres counts them for varchar(n): code points, not UTF-16 units. */
const codePoints = (s: string) => [...s].length;
// Half of a surrogate pair on its own is not a character: UTF-8 cannot carry it, so the driver
// would silently store U+FFFD instead (text) or Postgres would refuse it (jsonb).
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const loneSurrogateRule = 'must not contain unpaired surrogates (half of an emoji or other broken character)';

// Refused in a name (emoji sequences apart); rules.ts shows them.
const disguisingCharacters = new RegExp(`[${invisibleClass}]`, 'gu');
const characterNames: Record<number, string> = {
  0x00ad: 'soft hyphen',
  0x061c: 'Arabic letter mark',
  0x200b: 'zero-width space',
  0x200c: 'zero-width non-joiner',
  0x200d: 'zero-width joiner',
  0x200e: 'left-to-right mark',
  0x200f: 'right-to-left mark',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2060: 'word joiner',
  0x2061: 'function application',
  0x2062: 'invisible times',
  0x2063: 'invisible separator',
  0x2064: 'invisible plus',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
  0xfeff: 'zero-width no-break space',
  0x115f: 'Hangul choseong filler',
  0x1160: 'Hangul jungseong filler',
  0x3164: 'Hangul filler',
  0xffa0: 'halfwidth Hangul filler',
};

/** The first character that would disguise the name (emoji sequences apart). */
function firstDisguisingCharacter(name: string): number | undefined {
  const allowed = emojiSequencePositions(name);
  for (const m of name.matchAll(disguisingCharacters)) if (!allowed.has(m.index)) return m[0].codePointAt(0);
  return undefined;
}

/** Why a name with an invisible or bidi character is refused: which one, and what to do. */
function disguisingCharacterRule(codePoint: number): string {
  const known = characterNames[codePoint];
  return `must not contain ${codePointLabel(codePoint)}${known ? ` (${known})` : ''}, an invisible character that can make a name look like another: delete it (retype the name if you pasted it)`;
}

export const nameSchema = z
  .string({ error: 'must be text' })
  .transform((s) => s.trim())
  .refine((s) => s.length > 0, { error: 'must not be empty or blank' })
  .refine((s) => codePoints(s) <= limits.nameLength, {
    error: `must be at most ${limits.nameLength} characters after trimming`,
  })
  .refine((s) => !controlCharacter.test(s), {
    error: 'must not contain control characters such as tabs or line breaks',
  })
  .refine((s) => !loneSurrogate.test(s), { error: loneSurrogateRule })
  .superRefine((s, ctx) => {
    const codePoint = firstDisguisingCharacter(s);
    if (codePoint !== undefined) ctx.addIssue({ code: 'custom', message: disguisingCharacterRule(codePoint) });
  });

export const descriptionSchema = z
  .string({ error: 'must be text' })
  .transform((s) => s.trim())
  .refine((s) => codePoints(s) <= limits.descriptionLength, {
    error: `must be at most ${limits.descriptionLength} characters`,
  })
  .refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL characters' })
  .refine((s) => !loneSurrogate.test(s), { error: loneSurrogateRule })
  .transform((s) => (s === '' ? null : s))
  .nullable();

export const resourceTypeSchema = z.enum(resourceTypes, {
  error: `must be one of ${resourceTypes.join(', ')}`,
});

/** Where a saved selection came from; kept so the document reopens in the same language. */
const sourceSchema = z.looseObject({
  language: z.string().max(100).optional(),
  file: z.string().max(4096).optional(),
  range: z.object({ startLine: z.number().int().min(0), endLine: z.number().int().min(0) }).optional(),
});

// The names src/library/variables.ts finds: `{{name}}`'s identifiers and `${Target Language}`'s words.
const variableName = z.string().regex(/^[\p{L}\p{N}_](?:[\p{L}\p{N}_ .-]{0,62}[\p{L}\p{N}_.-])?$/u, {
  error: 'must be a name of letters, digits, spaces, _ . - (at most 64)',
});

// Loose objects: keys written by the chat app that we do not know survive a round trip.
export const promptContentSchema = z.looseObject({
  text: z.string({ error: 'is required text' }),
  language: z.string().max(100).optional(),
  variables: z.array(variableName).max(100).optional(),
  source: sourceSchema.optional(),
});

export const workflowStepSchema = z.looseObject({
  name: z.string().max(limits.nameLength).optional(),
  text: z.string({ error: 'is required text' }),
});

export const workflowContentSchema = z.looseObject({
  steps: z
    .array(workflowStepSchema, { error: 'must be a list of steps' })
    .min(1, { error: 'must have at least one step' })
    .max(500, { error: 'must have at most 500 steps' }),
  source: sourceSchema.optional(),
});

export const agentConfigContentSchema = z.looseObject({
  config: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }),
  source: sourceSchema.optional(),
});

export const contentSchemas = {
  prompt: promptContentSchema,
  workflow: workflowContentSchema,
  agent_config: agentConfigContentSchema,
} as const;

export type PromptContent = z.infer<typeof promptContentSchema>;
export type WorkflowContent = z.infer<typeof workflowContentSchema>;
export type WorkflowStep = z.infer<typeof workflowStepSchema>;
export type AgentConfigContent = z.infer<typeof agentConfigContentSchema>;
export type ResourceContent = PromptContent | WorkflowContent | AgentConfigContent;

/** Why a JSON string or key cannot be stored as jsonb, if it cannot. */
function jsonTextIssue(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (loneSurrogate.test(s)) return loneSurrogateRule;
  return undefined;
}

/**
 * Checks what zod cannot see cheaply: nesting depth (walked without recursion, so a
 * hostile document cannot overflow the stack), NUL characters and unpaired surrogates
 * (Postgres' jsonb rejects them), values JSON cannot hold (NaN and Infinity would be
 * stored as null, a BigInt makes JSON.stringify throw) and the serialized size.
 */
export function jsonLimitsIssue(value: unknown): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const issue = jsonTextIssue(v);
      if (issue) return issue;
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'must be JSON: NaN and Infinity are not JSON numbers';
    } else if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') {
      return `must be JSON: a ${typeof v} is not a JSON value`;
    } else if (v !== null && typeof v === 'object') {
      if (depth >= limits.contentDepth) return `must not be nested deeper than ${limits.contentDepth} levels`;
      for (const [key, child] of Object.entries(v)) {
        const issue = jsonTextIssue(key);
        if (issue) return issue;
        stack.push({ value: child, depth: depth + 1 });
      }
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  if (bytes > limits.contentBytes) {
    return `must be at most ${limits.contentBytes / 1024} KiB as JSON (is ${Math.ceil(bytes / 1024)} KiB)`;
  }
  return undefined;
}

/** Validates content for a resource type; issues are reported under `content...`. */
function refineContent(type: ResourceType, content: unknown, ctx: z.RefinementCtx) {
  const limitIssue = jsonLimitsIssue(content);
  if (limitIssue) {
    ctx.addIssue({ code: 'custom', path: ['content'], message: limitIssue });
    return;
  }
  const result = contentSchemas[type].safeParse(content);
  if (result.success) return;
  for (const issue of result.error.issues) {
    ctx.addIssue({
      code: 'custom',
      path: ['content', ...issue.path.map(String)],
      message: contentMessage(type, issue),
    });
  }
}

function contentMessage(type: ResourceType, issue: z.core.$ZodIssue): string {
  if (issue.path.length === 0) {
    const shape = { prompt: '{ "text": ... }', workflow: '{ "steps": [...] }', agent_config: '{ "config": {...} }' };
    return `must be a JSON object of the form ${shape[type]} for a ${type}`;
  }
  return issue.message;
}

export const createResourceInput = z
  .object({
    name: nameSchema,
    description: descriptionSchema.optional(),
    resourceType: resourceTypeSchema,
    content: z.unknown().refine((c) => c !== undefined, { error: 'is required' }),
    isPublic: z.boolean().optional(),
    pinned: z.boolean().optional(),
    parentResourceId: z.uuid().nullable().optional(),
  })
  .superRefine((v, ctx) => refineContent(v.resourceType, v.content, ctx));
export type CreateResourceInput = z.input<typeof createResourceInput>;

export const updateResourceInput = z
  .object({
    name: nameSchema.optional(),
    description: descriptionSchema.optional(),
    resourceType: resourceTypeSchema.optional(),
    content: z.unknown().optional(),
    isPublic: z.boolean().optional(),
  })
  .strict();
export type UpdateResourceInput = z.input<typeof updateResourceInput>;

/** Content checked against the type it will be stored with (known only after a read in updates). */
export function validateContent(type: ResourceType, content: unknown): ResourceContent {
  return parseOrThrow(
    z.object({ content: z.unknown() }).superRefine((v, ctx) => refineContent(type, v.content, ctx)),
    { content },
  ).content as ResourceContent;
}

// Tags: short single words, stored and compared in lower case, so "Python" and "python" are one tag.
export const tagLimits = { length: 50, perResource: 20 } as const;
const tagCharacters = /^[\p{L}\p{N}][\p{L}\p{N}_./-]*$/u;

/** Why a tag (already trimmed and lower-cased) cannot be stored, worded to follow "Tag"/"Tags". */
function tagIssue(tag: string): string | undefined {
  const shown = `“${[...tag].slice(0, 60).join('')}${codePoints(tag) > 60 ? '…' : ''}”`;
  if (tag.length === 0) return 'must not be empty (remove the extra comma)';
  if (codePoints(tag) > tagLimits.length) return `must be at most ${tagLimits.length} characters: ${shown} has ${codePoints(tag)}`;
  if (/\s/.test(tag)) return `must be one word each: ${shown} has a space (write ${shown.replace(/\s+/g, '-')})`;
  if (!tagCharacters.test(tag)) return `may hold only letters, digits and - _ . / and must start with a letter or digit: ${shown} does not`;
  return undefined;
}

const normalTag = (s: string) => s.normalize('NFC').trim().toLowerCase();

export const tagSchema = z
  .string({ error: 'must be text' })
  .transform(normalTag)
  .superRefine((tag, ctx) => {
    const issue = tagIssue(tag);
    if (issue) ctx.addIssue({ code: 'custom', message: issue });
  });

/** A resource's tags: each checked, duplicates (after lower-casing) dropped, sorted. */
export const tagsSchema = z
  .array(z.string({ error: 'must be text' }), { error: 'must be a list of tags' })
  .transform((tags) => [...new Set(tags.map(normalTag))].sort())
  .superRefine((tags, ctx) => {
    for (const tag of tags) {
      const issue = tagIssue(tag);
      if (issue) return ctx.addIssue({ code: 'custom', message: issue });
    }
    if (tags.length > tagLimits.perResource)
      ctx.addIssue({ code: 'custom', message: `must be at most ${tagLimits.perResource} per resource (there are ${tags.length})` });
  });

/** A version's change note: one line, optional. */
export const changeNoteSchema = z
  .string({ error: 'must be text' })
  .transform((s) => s.trim())
  .refine((s) => codePoints(s) <= 500, { error: 'must be at most 500 characters' })
  .refine((s) => !controlCharacter.test(s), { error: 'must be one line, without control characters' })
  .refine((s) => !loneSurrogate.test(s), { error: loneSurrogateRule });

export const historyOptionsSchema = z
  .object({
    limit: z.number().int().min(1).max(limits.pageSize).default(50),
    /** The oldest version of the previous page: the next page holds the ones before it. */
    before: z.number({ error: 'must be a version number' }).int().min(1).optional(),
  })
  .strict();
export type HistoryOptions = z.input<typeof historyOptionsSchema>;

export const historyPolicySchema = z
  .object({
    maxVersions: z
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1 (the current version is always kept)' })
      .max(100_000, { error: 'must be at most 100000' }),
    maxAgeDays: z
      .number({ error: 'must be a whole number of days' })
      .int({ error: 'must be a whole number of days' })
      .min(1, { error: 'must be at least 1 day (or none)' })
      .max(36_500, { error: 'must be at most 36500 days' })
      .nullable(),
  })
  .strict();
export type HistoryPolicyInput = z.input<typeof historyPolicySchema>;

export const listOptionsSchema = z
  .object({
    search: z
      .string()
      .max(limits.searchLength, { error: `must be at most ${limits.searchLength} characters` })
      .refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL characters' })
      .refine((s) => !loneSurrogate.test(s), { error: loneSurrogateRule })
      .transform((s) => s.trim())
      .optional(),
    type: resourceTypeSchema.optional(),
    sort: z.enum(sortOrders, { error: `must be one of ${sortOrders.join(', ')}` }).default('updated'),
    limit: z.number().int().min(1).max(limits.pageSize).default(50),
    /** Opaque position returned by the previous page. */
    cursor: z.string().max(1000).optional(),
    /** Only resources with this tag. */
    tag: tagSchema.optional(),
    /** Only resources without any tag. */
    untagged: z.boolean().optional(),
  })
  .strict()
  .refine((o) => !(o.tag && o.untagged), { error: 'cannot ask for a tag and for untagged resources at once', path: ['untagged'] });
export type ListOptions = z.input<typeof listOptionsSchema>;

export const shareInput = z
  .object({
    expiresInHours: z
      .number({ error: 'must be a number of hours' })
      .positive({ error: 'must be more than 0 hours' })
      .max(limits.expiresInHours, { error: 'must be at most 10 years' })
      .nullable()
      .optional(),
    maxAccesses: z
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(limits.maxAccesses, { error: `must be at most ${limits.maxAccesses}` })
      .nullable()
      .optional(),
  })
  .strict();
export type ShareInput = z.input<typeof shareInput>;

export const attachmentSchema = z.object({
  type: z.literal('image', { error: 'must be "image"' }),
  url: z
    .string()
    .max(2048)
    .regex(/^\/uploads\/[\w\-./]+$/, { error: 'must be a path under /uploads/' })
    .refine((u) => !u.split('/').includes('..'), { error: 'must not contain ".."' }),
  mimeType: z.enum(['image/png', 'image/jpeg', 'image/gif', 'image/webp'], {
    error: 'must be image/png, image/jpeg, image/gif or image/webp',
  }),
});
export const attachmentsSchema = z
  .array(attachmentSchema, { error: 'must be a list of attachments' })
  .max(limits.attachments, { error: `must have at most ${limits.attachments} attachments` })
  .nullable();
export type Attachment = z.infer<typeof attachmentSchema>;

export const uuidSchema = z.uuid({ error: 'must be a UUID' });

/** Parses or throws a ValidationError whose issues name the field and the rule. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.map(String).join('.') : 'input',
      message: issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message,
    })),
  );
}

/** Stored content as read: its type tells its shape, so no reader casts. */
export type ReadContent =
  | { ok: true; type: 'prompt'; content: PromptContent }
  | { ok: true; type: 'workflow'; content: WorkflowContent }
  | { ok: true; type: 'agent_config'; content: AgentConfigContent }
  | { ok: false; reason: string };

/** Reads stored content without trusting it: a row written in an unknown shape must not crash a view. */
export function readContent(type: string, content: unknown): ReadContent {
  const parsedType = resourceTypeSchema.safeParse(type);
  if (!parsedType.success) return { ok: false, reason: `unknown resource type "${type}"` };
  const failed = (error: z.ZodError): ReadContent => {
    const issue = error.issues[0];
    return { ok: false, reason: `${['content', ...(issue?.path ?? []).map(String)].join('.')}: ${issue?.message}` };
  };
  switch (parsedType.data) {
    case 'prompt': {
      const r = promptContentSchema.safeParse(content);
      return r.success ? { ok: true, type: 'prompt', content: r.data } : failed(r.error);
    }
    case 'workflow': {
      const r = workflowContentSchema.safeParse(content);
      return r.success ? { ok: true, type: 'workflow', content: r.data } : failed(r.error);
    }
    case 'agent_config': {
      const r = agentConfigContentSchema.safeParse(content);
      return r.success ? { ok: true, type: 'agent_config', content: r.data } : failed(r.error);
    }
  }
}
