/** The stages a source row can be rejected in. */
export type Phase = 'transform' | 'validate' | 'load';

/** Rows read, loaded, and rejected per phase: of a chunk, or running totals as the ledger keeps them. */
export interface Counts {
  read: number;
  loaded: number;
  rejected: Record<Phase, number>;
}

export const noCounts = (): Counts => ({ read: 0, loaded: 0, rejected: { transform: 0, validate: 0, load: 0 } });

export const rejectedTotal = (c: Counts) => c.rejected.transform + c.rejected.validate + c.rejected.load;

/** The sum of two counts, as a new object. */
export function added(a: Counts, b: Counts): Counts {
  return {
    read: a.read + b.read,
    loaded: a.loaded + b.loaded,
    rejected: { transform: a.rejected.transform + b.rejected.transform, validate: a.rejected.validate + b.rejected.validate, load: a.rejected.load + b.rejected.load },
  };
}
