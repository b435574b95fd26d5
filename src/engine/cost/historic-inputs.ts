import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { describeFileSystemById } from '../resources/efs-describe';
import type { StackState } from '../state/schema';
import { efsSizeHistory, type EfsStorage } from './efs-size';
import type { PriceBook } from './prices';
import { spotHistory } from './spot';
import type { FixedRates, HistoricPrices } from './to-date';

export interface HistoricInputs {
  prices: HistoricPrices;
  efs: EfsStorage;
  rates: FixedRates;
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
  return {
    prices: {
      onDemandHourly: async (type) => (await book.onDemandHourly(type, state.region))?.value,
      spotHistory: (type, zone, from, to) => spotHistory(clients, type, zone, from, to).catch(() => []),
    },
    efs: { usdPerGbMonth: list.efsStandard.usd, sizeNowGb: sizeNowBytes / 1024 ** 3, history: history.points, ...('unreadable' in history ? { unreadable: history.unreadable } : {}) },
    rates: { loadBalancerUsdPerHour: list.albHour.usd },
  };
}
