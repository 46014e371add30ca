/** The parts of a contract an adapter's `checkContract` sees. */
export interface ContractUnderCheck {
  id: string;
  operations: readonly { id: string; method: string; path: string }[];
  settings: Record<string, unknown>;
}

/**
 * An adapter as the contract loader knows it: what a contract's `forwarding` and `adapter:` block
 * are checked against. Declared here, below the adapter API that extends it, so that the
 * registry needs nothing of the adapters.
 */
export interface AdapterDescriptor {
  /**
   * Operation ids this adapter maps; a contract naming another one is refused at apply time.
   * `'*'` for a generic adapter whose operations come from each contract's `adapter:` block (SPLP).
   */
  operations: readonly string[] | '*';
  /** JSON Schema of the contract's `adapter:` block (Kong style: the schema beside the handler). */
  settingsSchema?: object;
  /**
   * Checks a schema cannot express, run when a contract is applied (e.g. every operation has an
   * upstream mapping in the settings). Returns the problems; none means the contract is accepted.
   */
  checkContract?(contract: ContractUnderCheck): string[];
}
