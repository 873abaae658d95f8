// The budgets' command-line flags (--max-mult-adds, --max-training-mb, ...), made from the
// budget table so that every budget a spec can write under `expect:` has its flag too.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { BUDGETS, type BudgetLimits } from '../compile/budgets.js';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a number greater than 0, such as 5e6 or 2.5; got '${value}'`);
  return n;
}

/** Adds a flag per budget to a command (compile, train). */
export function addBudgetOptions(command: Command): Command {
  for (const budget of BUDGETS) {
    if (!budget.flag) continue;
    const value = budget.unit === 'MB' ? '<mb>' : '<n>';
    command.addOption(
      new Option(`${budget.flag} ${value}`, `refuse models that take more ${budget.what} than this (${budget.figure})`).argParser(positiveNumber),
    );
  }
  return command;
}

/** The budgets among a command's parsed options. */
export function budgetLimits(options: Readonly<Record<string, unknown>>): BudgetLimits {
  const limits: BudgetLimits = {};
  for (const { limit } of BUDGETS) {
    const value = limit === undefined ? undefined : options[limit];
    if (limit !== undefined && typeof value === 'number') limits[limit] = value;
  }
  return limits;
}
