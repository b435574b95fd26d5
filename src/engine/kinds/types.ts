import type { AwsClients } from '../aws/clients';
import type { PlanFacts, StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import type { SweptResource } from '../resources/sweep';
import type { TeardownContext } from '../resources/teardown';
import type { StackConfig } from '../stack/config';
import type { StackPart } from '../tiers';

/**
 * A typed value one step hands to the steps that use it (an id, a DNS name). Made by the kind it describes:
 * a step may use it only when its own kind depends on that kind, and only after the step that provides it.
 */
export interface Handle<V> {
  /** Words for build-time messages, e.g. "the VPC". */
  readonly name: string;
  /** The kind whose resource it describes. */
  readonly kind: string;
  /** Type only (never set): the value's type. */
  readonly value?: V;
}

export function handle<V>(kind: string, name: string): Handle<V> {
  return { kind, name };
}

/** One use: a handle, several of one type (read as a list), or none (this stack has no such resource). */
export type Use = Handle<unknown> | readonly Handle<unknown>[] | undefined;
export type Uses = Readonly<Record<string, Use>>;
type ValueOf<T> = T extends undefined ? undefined : T extends readonly Handle<infer V>[] ? V[] : T extends Handle<infer V> ? V : never;
/** What a step reads: each use's value, typed. */
export type Values<U extends Uses> = { readonly [K in keyof U]: ValueOf<U[K]> };

export interface Provided {
  readonly handle: Handle<unknown>;
  readonly value: unknown;
}

export function provide<V>(target: Handle<V>, value: V): Provided {
  return { handle: target, value };
}

export interface StepOutput extends StepResult {
  /** A value for each handle the step declares in `provides`. */
  provided?: readonly Provided[];
}

/** A deploy step with its uses erased to the handles (the graph builder's view). */
export interface StackStep {
  readonly id: string;
  readonly title: string;
  /** Journal keys it writes (the plan and adoption read them). */
  readonly keys: readonly string[];
  readonly uses: Uses;
  /** Handles it must come after without reading them (an internet route that must exist first). */
  readonly after: readonly Handle<unknown>[];
  readonly provides: readonly Handle<unknown>[];
  run(ctx: StepContext, values: ReadonlyMap<Handle<unknown>, unknown>): Promise<StepOutput>;
}

export interface StepSpecInput<U extends Uses> {
  id: string;
  title: string;
  keys?: readonly string[];
  uses: U;
  after?: readonly Handle<unknown>[];
  provides?: readonly Handle<unknown>[];
  run(ctx: StepContext, use: Values<U>): Promise<StepOutput>;
}

function valueOf(use: Use, values: ReadonlyMap<Handle<unknown>, unknown>): unknown {
  if (use === undefined) return undefined;
  return Array.isArray(use) ? use.map((one: Handle<unknown>) => values.get(one)) : values.get(use as Handle<unknown>);
}

/** A typed step: `run` reads its uses as values; the graph builder has checked they are there. */
export function step<U extends Uses>(spec: StepSpecInput<U>): StackStep {
  return {
    id: spec.id, title: spec.title, keys: spec.keys ?? [], uses: spec.uses, after: spec.after ?? [], provides: spec.provides ?? [],
    run: (ctx, values) => {
      const use = Object.fromEntries(Object.entries(spec.uses).map(([name, one]) => [name, valueOf(one, values)]));
      // The one place values lose their types: each came from the step that provides its handle, checked at build.
      return spec.run(ctx, use as Values<U>);
    },
  };
}

/** What a kind's steps may depend on when the graph is built: the config and the tier's parts. */
export interface BuildScope {
  config: StackConfig;
  /** The tier table's parts this stack has (tierParts), e.g. load-balancer, cloudfront. */
  has(part: StackPart): boolean;
  newNetwork: boolean;
}

/** A destroy step: several kinds may share one (IAM role and profile; leftover volumes and interfaces). */
export interface DestroyStepName {
  readonly id: string;
  readonly title: string;
}

/** What deletes get: the step's reporter and, for mount targets, every file system of the stack (kept ones too). */
export interface DeleteContext extends TeardownContext {
  readonly fileSystemIds: readonly string[];
}

export interface Teardown {
  readonly step: DestroyStepName;
  /** Deletes these ids and waits until they are gone (with the real-AWS retry rules of resources/teardown.ts). */
  delete(ctx: DeleteContext, ids: readonly string[]): Promise<void>;
  /** Kinds this kind depends on whose destroy does not wait for it (CloudFront runs beside the instances). */
  readonly independentOf?: readonly ResourceKindDef[];
  /** Kinds deleted before it although nothing depends on it (secrets last: they protect the data on EFS). */
  readonly after?: readonly ResourceKindDef[];
}

/** Everything the engine knows about one kind of AWS resource, in one object. */
export interface ResourceKindDef {
  /** One vocabulary: journal records, the tag sweep, destroy and the account scan all say this. */
  readonly kind: string;
  /** The tier table's part that brings it (src/engine/tiers.ts). */
  readonly part: StackPart;
  /** What its resources need while they exist: deploy steps may read only these; destroy deletes in reverse. */
  readonly dependsOn: readonly ResourceKindDef[];
  /** The journal keys it owns in this stack; absent for kinds never journaled (found only by the sweep). */
  readonly journalKeys?: (scope: BuildScope, facts?: Pick<PlanFacts, 'existingSubnets'>) => readonly string[];
  /** Finds the stack's resources of this kind by their tags (or fixed names); absent when they carry no tags. */
  readonly findByTag?: (clients: AwsClients, stack: string) => Promise<SweptResource[]>;
  /** Its deploy steps (ensure, then wait) for this stack. */
  readonly steps?: (scope: BuildScope) => readonly StackStep[];
  /** How destroy deletes it; kinds without one go with `deletedWith` (listeners with their load balancer). */
  readonly teardown?: Teardown;
  readonly deletedWith?: ResourceKindDef;
  /** Data: kept by destroy unless the user deletes data. */
  readonly keptWithData: boolean;
  /** A deploy --adopt (and an import from the account) may take it over from its tags. */
  readonly adoptable: boolean;
}

/** Keeps the object's literal types (its kind name, its handles) for the derived lookups. */
export function defineKind<const D extends ResourceKindDef>(def: D): D {
  return def;
}
