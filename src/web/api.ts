// What the page asks its server (src/serve/server.ts), typed. Only relative URLs: the page
// talks to the server it came from and to nothing else.

export interface SpecList {
  folder: string;
  specs: string[];
}

// The server's own types for what it sends (type-only: nothing of the Node module enters the page).
export type { RunInfo, TestSample } from '../serve/run.js';
import type { RunInfo, TestSample } from '../serve/run.js';

export type SaveResult = { saved: true; file: string; wrote: string[] } | { saved: false; diagnostics: string[] };

/** The server's own words when it refuses (its JSON { error }), else the status line. */
async function failure(response: Response): Promise<Error> {
  const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
  return new Error(typeof body?.error === 'string' ? body.error : `${response.status} ${response.statusText}`);
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

export const listSpecs = (): Promise<SpecList> => getJson('/api/specs');

export async function readSpec(name: string): Promise<string> {
  const response = await fetch(`/api/specs/${encodeURIComponent(name)}`);
  if (!response.ok) throw await failure(response);
  return response.text();
}

export async function saveSpec(name: string, text: string): Promise<SaveResult> {
  const response = await fetch(`/api/specs/${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'text/yaml; charset=utf-8' },
    body: text,
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as SaveResult;
}

export const runInfo = async (): Promise<RunInfo | null> => (await getJson<{ run: RunInfo | null }>('/api/run')).run;

/** The sample, or why there is none (the run's data moved or is damaged). */
export const testSample = (): Promise<TestSample | { unavailable: string }> => getJson('/api/run/test-sample');

/** Where the run's model is; its weight files are fetched relative to it. */
export const MODEL_URL = '/run/model.json';
