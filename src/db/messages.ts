import * as z from 'zod';
import type { Database } from './client';
import { message, messageRoles, type Message } from './schema';
import { attachmentsSchema, jsonLimitsIssue, parseOrThrow, uuidSchema } from './validation';

const messageInput = z
  .object({
    userId: uuidSchema,
    role: z.enum(messageRoles, { error: `must be one of ${messageRoles.join(', ')}` }),
    // JSON null included: drizzle would send it as SQL NULL, which the NOT NULL column refuses.
    content: z.unknown().refine((c) => c !== undefined && c !== null, { error: 'is required' }),
    attachments: attachmentsSchema.optional(),
  })
  .superRefine((v, ctx) => {
    const issue = jsonLimitsIssue(v.content);
    if (issue) ctx.addIssue({ code: 'custom', path: ['content'], message: issue });
  });

/** A chat message with validated image attachment metadata (the app's table, written in tests and imports). */
export async function createMessage(db: Database, input: z.input<typeof messageInput>): Promise<Message> {
  const values = parseOrThrow(messageInput, input);
  const [row] = await db
    .insert(message)
    .values({ ...values, content: values.content as object, attachments: values.attachments ?? null })
    .returning();
  return row!;
}
