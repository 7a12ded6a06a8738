import assert from 'node:assert/strict';
import { ConflictError, NotFoundError, postgresErrorCode, ValidationError } from '../../../src/db/errors';

type ErrorClass<E> = abstract new (...args: never[]) => E;

const describeError = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** Awaits `work`, asserts it rejected with an instance of `type`, and returns the error. */
export async function rejection<E extends Error>(work: Promise<unknown>, type: ErrorClass<E>): Promise<E> {
  let result: unknown;
  try {
    result = await work;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${describeError(err)}`);
    return err;
  }
  return assert.fail(`expected ${type.name}, but it resolved with ${JSON.stringify(result)?.slice(0, 300)}`);
}

/** A ValidationError with an issue for `field` whose message states `rule`; the error's own message names both. */
export async function rejectsValidation(work: Promise<unknown>, field: string, rule: RegExp): Promise<ValidationError> {
  const err = await rejection(work, ValidationError);
  const issue = err.issues.find((i) => i.field === field);
  assert.ok(issue, `expected an issue for "${field}", got ${JSON.stringify(err.issues)}`);
  assert.match(issue.message, rule);
  assert.ok(err.message.includes(`${field}: ${issue.message}`), `the error message names the field: ${err.message}`);
  return err;
}

export async function rejectsNotFound(work: Promise<unknown>, entity: 'resource' | 'share'): Promise<NotFoundError> {
  const err = await rejection(work, NotFoundError);
  assert.equal(err.entity, entity);
  assert.equal(err.message, entity === 'resource' ? 'Resource not found.' : 'Share not found.');
  return err;
}

export async function rejectsConflict(work: Promise<unknown>): Promise<ConflictError> {
  const err = await rejection(work, ConflictError);
  assert.ok(err.currentUpdatedAt instanceof Date && !Number.isNaN(err.currentUpdatedAt.getTime()));
  return err;
}

/** A database error with this SQLSTATE (also when drizzle wrapped the driver's error). */
export async function rejectsWithCode(work: Promise<unknown>, code: string, constraint?: string): Promise<void> {
  const err = await rejection(work, Error);
  assert.equal(postgresErrorCode(err), code, describeError(err));
  if (constraint) {
    let e: unknown = err;
    while (e && typeof e === 'object' && !('constraint_name' in e)) e = (e as { cause?: unknown }).cause;
    assert.equal((e as { constraint_name?: string } | undefined)?.constraint_name, constraint);
  }
}
