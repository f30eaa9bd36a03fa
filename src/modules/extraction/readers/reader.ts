/** A column of an archived dataset. */
export interface ArchiveColumn {
  name: string;
  /** Type of the archive column (a built-in type; source-only types are archived as text). */
  type: string;
  /** Type on the source, used for typed comparisons when resuming by key. */
  sourceType: string;
  /** The type has a hash function, so fingerprints can hash its binary value instead of its text. */
  hashable?: boolean;
}

/** A run of complete rows in COPY text format, and where to resume after them. */
export interface Segment {
  data: Buffer;
  rows: number;
  /** Reader-specific resume position after this segment; stored with the rows in one transaction. */
  resume: ResumeState;
}

/** JSON-serialisable resume position; `fingerprint` carries the running source checksum for non-SQL sources. */
export type ResumeState = Record<string, unknown>;

/** The source side's count and checksum, compared with the archive's at the end. */
export interface SourceFingerprint {
  rows: number;
  checksum: string;
}

/**
 * One kind of source, as the extraction engine sees it. Readers stream: memory stays flat
 * however large the source.
 */
export interface ExtractionReader {
  readonly columns: ArchiveColumn[];
  readonly estimate: { rows?: number; bytes?: number };
  /**
   * True when a resume continues exactly after the checkpoint; false when the reader can only
   * start over (the engine then empties the archive table in the first transaction).
   */
  readonly resumable: boolean;
  /**
   * How source and archive are compared: SQL sources hash each row in the database on both
   * sides (by value, or by text before PostgreSQL 14); other sources hash canonical JSON of each
   * row in the engine.
   */
  readonly fingerprint: 'sql-record-hash' | 'sql-text-hash' | 'canonical-json-hash';
  /**
   * The statement `segments(resume)` runs, with placeholders where it has values (SQL sources
   * only; for the trace's `db.statement`).
   */
  readStatement?(resume: ResumeState | undefined): string;
  /** Streams segments that follow `resume` (the start when undefined). */
  segments(resume: ResumeState | undefined, signal: AbortSignal): AsyncIterable<Segment>;
  /** Count and checksum of the source, computed the same way as `archiveFingerprint`. */
  sourceFingerprint(lastResume: ResumeState | undefined): Promise<SourceFingerprint>;
  close(): Promise<void>;
}

