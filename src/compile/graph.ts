// The order layers are computed in, and the two ways a graph of layers can be wrong that no
// single layer shows: layers that read each other in a circle, and layers whose output never
// reaches the model's output.
import type { IRNode } from '../types.js';

export interface OrderedGraph {
  /** Every node not caught in a circle, each after the nodes it reads; ties keep the spec's order. */
  nodes: IRNode[];
  /** Each circle once, starting at its first layer in the spec; each member reads the next, the last reads the first. */
  cycles: IRNode[][];
  /** Nodes (outside circles) that the output does not depend on. */
  unused: IRNode[];
}

export function orderGraph(nodes: readonly IRNode[], outputId: string): OrderedGraph {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const readers = new Map<string, IRNode[]>(nodes.map((n) => [n.id, []]));
  const waiting = new Map<string, number>();
  for (const node of nodes) {
    const sources = new Set(node.inputs.filter((id) => byId.has(id)));
    waiting.set(node.id, sources.size);
    for (const id of sources) readers.get(id)!.push(node);
  }

  // Kahn's algorithm, always taking the earliest ready layer in the spec, so a plain list keeps its order.
  const ordered: IRNode[] = [];
  const ready = nodes.filter((n) => waiting.get(n.id) === 0);
  while (ready.length) {
    ready.sort((a, b) => a.index - b.index);
    const node = ready.shift()!;
    ordered.push(node);
    for (const reader of readers.get(node.id)!) {
      const left = waiting.get(reader.id)! - 1;
      waiting.set(reader.id, left);
      if (left === 0) ready.push(reader);
    }
  }

  const placed = new Set(ordered.map((n) => n.id));
  const cycles = findCycles(
    nodes.filter((n) => !placed.has(n.id)),
    byId,
  );
  const inCycle = new Set(cycles.flat().map((n) => n.id));

  const needed = new Set<string>();
  const stack = [outputId];
  while (stack.length) {
    const id = stack.pop()!;
    if (needed.has(id) || !byId.has(id)) continue;
    needed.add(id);
    stack.push(...byId.get(id)!.inputs);
  }
  const unused = nodes.filter((n) => !needed.has(n.id) && !inCycle.has(n.id));
  return { nodes: ordered, cycles, unused };
}

/**
 * The circles among nodes that could not be ordered (each such node is in a circle or reads,
 * through others, from one). Walks input links from the earliest unvisited node until it meets
 * a node on its own path: that stretch of the path is a circle.
 */
function findCycles(stuck: readonly IRNode[], byId: ReadonlyMap<string, IRNode>): IRNode[][] {
  const stuckIds = new Set(stuck.map((n) => n.id));
  const done = new Set<string>();
  const cycles: IRNode[][] = [];
  for (const start of [...stuck].sort((a, b) => a.index - b.index)) {
    if (done.has(start.id)) continue;
    const path: IRNode[] = [];
    const onPath = new Map<string, number>();
    let node: IRNode | undefined = start;
    while (node && !done.has(node.id)) {
      if (onPath.has(node.id)) {
        const circle = path.slice(onPath.get(node.id));
        // Start the circle at its earliest layer, so it reads the same however it was found.
        const first = circle.reduce((best, n, i) => (n.index < circle[best]!.index ? i : best), 0);
        cycles.push([...circle.slice(first), ...circle.slice(0, first)]);
        break;
      }
      onPath.set(node.id, path.length);
      path.push(node);
      // Follow an input that is itself stuck: every stuck node has one, or it would have been ordered.
      const next: string | undefined = node.inputs.find((id) => stuckIds.has(id) && !done.has(id));
      node = next === undefined ? undefined : byId.get(next);
    }
    for (const n of path) done.add(n.id);
  }
  return cycles;
}
