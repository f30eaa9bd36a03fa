/**
 * A definition that cannot run against its source and target (unknown column, wrong cast, bad
 * expression, missing table). `path` points into the definition; creation answers 422 with it.
 */
export class DefinitionError extends Error {
  readonly isDefinitionError = true;
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'DefinitionError';
    this.path = path;
  }
}

export const isDefinitionError = (e: unknown): e is DefinitionError =>
  e instanceof Error && (e as Partial<DefinitionError>).isDefinitionError === true;

/** Why one row is not migrated: the rule it broke (e.g. `cast:amount`, `not_null:email`) and the reason. */
export class RowRejected extends Error {
  readonly rule: string;
  constructor(rule: string, reason: string) {
    super(reason);
    this.name = 'RowRejected';
    this.rule = rule;
  }
}
