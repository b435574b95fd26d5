import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { describeFileSystemById } from '../resources/efs-describe';
import type { StackState } from '../state/schema';
import { efsSizeHistory, type EfsStorage } from './efs-size';
import type { PriceBook } from './prices';
import { spotHistory } from './spot';
import { LIVE_READ_TIMEOUT_MS } from '../live';
import { SCALE_KEYS } from '../scale/names';
import type { WorkerPoolName } from '../stack/scale-config';
import { cacheNow, databaseNow } from './data-services';
import { workerRootVolumeGb } from './scale-estimate';
import type { FixedRates, HistoricPrices, ScaleActuals } from './to-date';
import { costedPools } from './worker-runs';

export interface HistoricInputs {
  prices: HistoricPrices;
  efs: EfsStorage;
  rates: FixedRates;
  /** A scaled stack's database and queue (read back, priced) and its workers' root volumes; the worker runs come apart. */
  scale?: Omit<ScaleActuals, 'workers' | 'assumed'>;
}

/** Prices in force over a span, EFS size readings over it, and the fixed hourly rates: what actuals need. */
export async function historicInputs(clients: AwsClients, book: PriceBook, state: StackState, start: Date, end: Date): Promise<HistoricInputs> {
  const efsRecord = state.resources.efs;
  const fileSystemId = efsRecord && efsRecord.status !== 'intent' ? efsRecord.id : undefined;
  const [sizeNowBytes, history, list] = await Promise.all([
    fileSystemId && efsRecord?.status === 'created' ? describeFileSystemById(clients, fileSystemId).then((fs) => fs?.SizeInBytes?.Value ?? 0, () => 0) : Promise.resolve(0),
    // Denied or missing metrics: the size now stands in, and the basis says why.
    fileSystemId ? efsSizeHistory(clients, fileSystemId, start, end).then((points) => ({ points }), (error: unknown) => ({ points: [], unreadable: classifyAwsError(error).message.slice(0, 200) }))
      : Promise.resolve({ points: [] }),
    book.listPrices(state.region),
  ]);
  const scale = await scaleInputs(clients, book, state).catch(() => undefined);
  return {
    ...(scale ? { scale } : {}),
    prices: {
      onDemandHourly: async (type) => (await book.onDemandHourly(type, state.region))?.value,
      spotHistory: (type, zone, from, to) => spotHistory(clients, type, zone, from, to).catch(() => []),
    },
    efs: { usdPerGbMonth: list.efsStandard.usd, sizeNowGb: sizeNowBytes / 1024 ** 3, history: history.points, ...('unreadable' in history ? { unreadable: history.unreadable } : {}) },
    rates: { loadBalancerUsdPerHour: list.albHour.usd },
  };
}

/** Whether the stack has (or had) a scaled part: the config's scale section or a journaled database, queue or pool. */
function hasScale(state: StackState): boolean {
  const recorded = (key: string) => { const record = state.resources[key]; return record !== undefined && record.status !== 'intent'; };
  return state.config.scale !== undefined || recorded(SCALE_KEYS.database) || recorded(SCALE_KEYS.cache) || costedPools(state).length > 0;
}

/**
 * The database and queue as RDS and ElastiCache say they are now (creation time, class or node type, storage, nodes),
 * priced; where AWS no longer describes them, the journal's class and the config's sizes. A database stopped now
 * (a paused stack) bills only its storage since the stack's last instance run ended.
 */
async function scaleInputs(clients: AwsClients, book: PriceBook, state: StackState): Promise<HistoricInputs['scale']> {
  if (!hasScale(state)) return undefined;
  const recorded = (key: string) => { const record = state.resources[key]; return record !== undefined && record.status !== 'intent' ? record : undefined; };
  const dbRecord = recorded(SCALE_KEYS.database);
  const cacheRecord = recorded(SCALE_KEYS.cache);
  const signal = AbortSignal.timeout(LIVE_READ_TIMEOUT_MS);
  const [db, cache] = await Promise.all([dbRecord ? databaseNow(clients, state, signal) : undefined, cacheRecord ? cacheNow(clients, state, signal) : undefined]);
  const scale = state.config.scale;
  const instanceClass = db?.instanceClass ?? (dbRecord?.attrs.class || undefined) ?? scale?.databaseClass;
  const nodeType = cache?.nodeType ?? scale?.cacheNodeType;
  const [dbHourly, storage, cacheHourly] = await Promise.all([
    dbRecord && instanceClass ? book.databaseHourly(instanceClass, state.region) : undefined,
    dbRecord ? book.databaseStorage(state.region) : undefined,
    cacheRecord && nodeType ? book.cacheHourly(nodeType, state.region) : undefined,
  ]);
  const lastRunEnd = state.compute.every((run) => run.endedAt) ? state.compute.map((run) => run.endedAt!).sort().at(-1) : undefined;
  const stopped = db?.status === 'stopped' || db?.status === 'stopping';
  const workerRootGb: Partial<Record<WorkerPoolName, number>> = {};
  for (const pool of costedPools(state)) {
    const settings = pool === 'n8n' ? scale?.n8nWorkers : scale?.ollamaWorkers;
    const types = settings?.instanceTypes ?? state.resources[SCALE_KEYS.workerGroupKey(pool)]?.attrs.instanceTypes?.split(',') ?? [];
    workerRootGb[pool] = workerRootVolumeGb({ instanceTypes: types });
  }
  return {
    workerRootGb,
    ...(dbRecord && instanceClass && storage ? {
      database: {
        instanceClass, storageGb: db?.allocatedGb ?? scale?.databaseStorageGb ?? 20, storageUsdPerGbMonth: storage.usd,
        ...(dbHourly ? { usdPerHour: dbHourly.usd } : {}), ...(db?.createdAt ? { createdAt: db.createdAt } : {}),
        ...(stopped && lastRunEnd ? { stoppedSince: lastRunEnd } : {}),
      },
    } : {}),
    ...(cacheRecord && nodeType ? {
      cache: { nodeType, nodes: cache?.nodes ?? 1, ...(cacheHourly ? { usdPerHour: cacheHourly.usd } : {}), ...(cache?.createdAt ? { createdAt: cache.createdAt } : {}) },
    } : {}),
  };
}
