/**
 * A decider's command as a caller asks it: the command less what its handler adds (ids, the clock,
 * hashes). Taken member by member from a union, so its `type` still tells the members apart.
 */
export type CommandInput<Command, Added extends PropertyKey> = Command extends unknown ? Omit<Command, Added> : never;
