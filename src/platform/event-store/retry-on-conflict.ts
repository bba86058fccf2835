import { WrongExpectedRevisionError } from './event-store';

/**
 * Internal commands (not an admin's edit of what they saw) re-read and decide again when another
 * writer got in first (architecture §5); admin writes surface the conflict as 409 instead.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= attempts) throw error;
    }
  }
}
