import { Problem } from '../../gateway/errors/problem.ts';

/** The Problem `run` throws (a mapping refusing an answer), for assertions; fails when it throws none. */
export function problemOf(run: () => unknown): Problem {
  try {
    run();
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a Problem to be thrown');
}

/** The Problem a promise rejects with, for assertions; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Problem> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
