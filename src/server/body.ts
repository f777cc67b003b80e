/** JSON request bodies, validated with zod: one line naming the first bad field and its value. */
import type { z } from 'zod';
import { getPath } from '../config/resolve.ts';
import { FlywheelError } from '../errors.ts';

/** `hints`: what each top-level field should be, for the message ("expected <hint>"). */
export function parseBody<S extends z.ZodTypeAny>(
  schema: S,
  raw: unknown,
  hints: Record<string, string>,
): z.infer<S> {
  const r = schema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = String(issue.path[0] ?? '');
  const value = field ? getPath(raw, field) : raw;
  const hint = hints[field] ?? issue.message;
  throw new FlywheelError(
    'bad_input',
    `body${field ? `.${field}` : ''}=${JSON.stringify(value)}: expected ${hint}`,
  );
}
