import { z } from 'zod';

/**
 * Free space on the instance's root volume and on EFS, from `df` in the health script. df on an NFS mount that
 * stopped answering hangs, hence `timeout`. A path df cannot read is left out, so the report stays valid.
 * EFS is elastic: df reports an 8 EiB size for it, so its figures need 19 digits (gm_num keeps 9).
 */
// `@{` stands for the shell's `${` inside this template literal.
export const DISK_PRELUDE = String.raw`gm_disks=''
gm_big() { gm_v=$(printf '%s' "$1" | tr -cd '0-9' | cut -c1-19 | sed 's/^0*//'); printf '%s' "@{gm_v:-0}"; }
gm_df() {
  gm_dl=$(timeout 5 df -P -k "$2" 2>/dev/null | awk 'NR == 2 { print $2, $3, $4, $6 }')
  [ -n "$gm_dl" ] || return 0
  set -- "$1" $gm_dl
  gm_d="{\"name\":\"$1\",\"totalKb\":$(gm_big "$2"),\"usedKb\":$(gm_big "$3"),\"availableKb\":$(gm_big "$4"),\"mount\":\"$(printf '%s' "$5" | tr -cd 'A-Za-z0-9/._-')\"}"
  if [ -n "$gm_disks" ]; then gm_disks="$gm_disks,$gm_d"; else gm_disks="$gm_d"; fi
}`.replaceAll('@{', '${');

export const EFS_MOUNT = '/mnt/efs';

/** The lines that measure both; GM_ROOT lets tests point them at a scratch folder. */
export const DISK_PROBES = ['gm_df root "${GM_ROOT:-}/"', `gm_df efs "\${GM_ROOT:-}${EFS_MOUNT}"`];

/** One `df` line as the script reports it (kilobytes, as `df -k` counts them: 1024 bytes). */
export const diskReportSchema = z.object({
  name: z.enum(['root', 'efs']),
  totalKb: z.number().nonnegative(),
  usedKb: z.number().nonnegative(),
  availableKb: z.number().nonnegative(),
  /** Where the path is mounted: EFS not mounted shows as the root file system's "/". */
  mount: z.string(),
});
export type DiskReport = z.infer<typeof diskReportSchema>;

/** Space on one of the instance's volumes, in bytes. */
export interface DiskSpace {
  volume: 'root' | 'efs';
  /** Where it is on the instance: "/" or "/mnt/efs". */
  path: string;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  /** False when /mnt/efs is not mounted (df then measured the root volume under it). */
  mounted: boolean;
}

/** The report's df lines in bytes; EFS unmounted is said as such, not as the root volume's figures. */
export function disksOf(reports: readonly DiskReport[] | undefined): DiskSpace[] {
  return (reports ?? []).map((disk) => {
    const mounted = disk.name === 'root' || disk.mount.endsWith(EFS_MOUNT);
    return {
      volume: disk.name, path: disk.name === 'root' ? '/' : EFS_MOUNT, mounted,
      totalBytes: mounted ? disk.totalKb * 1024 : 0, usedBytes: mounted ? disk.usedKb * 1024 : 0, availableBytes: mounted ? disk.availableKb * 1024 : 0,
    };
  });
}
