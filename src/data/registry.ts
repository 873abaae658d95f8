// The dataset registry: kinds are looked up by name, so the trainer and the CLI never switch
// over them. Also assembles the `dataset` schema from the kinds' fragments.
import { csvKind, type CsvRef } from './kinds/csv.js';
import { IDX_DIR_SCHEMA, idxKind, type IdxRef } from './kinds/idx.js';
import { imageFolderKind, type ImageFolderRef } from './kinds/image-folder.js';
import { mnistKind, type MnistRef } from './kinds/mnist.js';
import { DataError } from './errors.js';
import type { DatasetKind, SchemaFragment } from './kind.js';

export type { CsvRef, IdxRef, ImageFolderRef, MnistRef };

/** A dataset after lowering: what a run records in dataset.json. */
export type DatasetRef = MnistRef | IdxRef | ImageFolderRef | CsvRef;

const ALL: readonly DatasetKind<DatasetRef>[] = [mnistKind, idxKind, imageFolderKind, csvKind] as unknown as DatasetKind<DatasetRef>[];
const BY_KIND = new Map<string, DatasetKind<DatasetRef>>(ALL.map((k) => [k.kind, k]));

export function datasetKinds(): string[] {
  return ALL.map((k) => k.kind);
}

/** The kind module of a dataset reference; an unknown kind (a hand-edited dataset.json) is a DataError. */
export function datasetKind(kind: string): DatasetKind<DatasetRef> {
  const def = BY_KIND.get(kind);
  if (!def) throw new DataError(`unknown dataset kind '${kind}'; expected one of ${datasetKinds().join(', ')}`);
  return def;
}

/** Lowers a schema-valid `dataset` value: `mnist`, a mapping with `kind`, or the older `idx_dir` mapping. */
export function lowerDataset(raw: unknown, defaults: { seed: number }): DatasetRef {
  if (raw === undefined || raw === 'mnist') return mnistKind.lower({ kind: 'mnist' }, defaults);
  const doc = raw as Record<string, unknown>;
  if (typeof doc.kind !== 'string') return idxKind.lower(doc, defaults);
  return datasetKind(doc.kind).lower(doc, defaults);
}

/**
 * The schema definitions the datasets contribute: `dataset` (the union users write) and one
 * definition per kind. The spec schema's `definitions` hold exactly these.
 */
export function datasetSchemaDefinitions(): Record<string, SchemaFragment> {
  const kindName = (kind: string): string => `${kind.replace(/_(.)/g, (_, c: string) => c.toUpperCase())}Dataset`;
  const definitions: Record<string, SchemaFragment> = {
    dataset: {
      description: 'The data to train and test on: `mnist`, a mapping whose `kind` selects the kind of data, or the short IDX form with `idx_dir`.',
      oneOf: [
        { type: 'string', enum: ['mnist'] },
        {
          type: 'object',
          title: 'dataset',
          description: 'A dataset: `kind` selects the kind of data and which other keys are allowed.',
          required: ['kind'],
          properties: { kind: { title: 'the dataset kind', description: 'The kind of dataset.', type: 'string', examples: datasetKinds() } },
          discriminator: { propertyName: 'kind' },
          oneOf: ALL.map((k) => ({ $ref: `#/definitions/${kindName(k.kind)}` })),
        },
        IDX_DIR_SCHEMA,
      ],
    },
  };
  for (const k of ALL) definitions[kindName(k.kind)] = k.schema;
  return definitions;
}
