import type { Decider } from '../../src/platform/event-store/decide-on-stream';
import type { DomainEvent } from '../../src/platform/event-store/event-catalogue';

/**
 * given events → when a command → then events, or a refusal: the one form every decider spec takes.
 * `given` folds the history with the decider's own `evolve`, exactly as a handler does after reading.
 */
export function deciderSpec<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) {
  return {
    given(...history: Event[]) {
      const state = history.reduce(decider.evolve, decider.initialState);
      return {
        /** The state the history leaves, for a spec about `evolve` itself. */
        state,
        when(command: Command) {
          const decide = () => decider.decide(command, state);
          return {
            /** The decision itself, for assertions the two below do not cover. */
            decide,
            then(expected: readonly Event[]): void {
              expect(decide()).toEqual(expected);
            },
            /** A refusal: the error class, a matcher object (`expect.objectContaining`) or a message pattern. */
            thenRefuses(expected: (new (...args: never[]) => Error) | RegExp | string | object): void {
              if (typeof expected === 'object' && !(expected instanceof RegExp)) {
                let thrown: unknown;
                try {
                  decide();
                } catch (error) {
                  thrown = error;
                }
                expect(thrown).toEqual(expected);
              } else {
                expect(decide).toThrow(expected);
              }
            },
          };
        },
      };
    },
  };
}
