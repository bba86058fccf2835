import type { AllFilter, EventStore, RecordedEvent } from './event-store';
import { type Position, START } from './position';

const PAGE = 1000;

/** Every event after `after` (matching `filter`), a page at a time, in global order: bounded memory whatever the store holds. */
export async function* pagesOf(
  store: EventStore,
  options: { after?: Position; filter?: AllFilter } = {},
): AsyncGenerator<RecordedEvent[]> {
  let after = options.after ?? START;
  for (;;) {
    const page = await store.readAll({ after, filter: options.filter, limit: PAGE });
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    after = page[page.length - 1].position;
  }
}

/** `pagesOf`, one event at a time. */
export async function* eventsOf(
  store: EventStore,
  options: { after?: Position; filter?: AllFilter } = {},
): AsyncGenerator<RecordedEvent> {
  for await (const page of pagesOf(store, options)) yield* page;
}
