/**
 * What a guide finds in its working directory when the tests run it (Note [Guides run as tests]):
 * one entry per guide file name that reads files, preparing them in `dir`. A guide with no entry
 * runs in an empty directory.
 */
export const guideSetups: Record<string, (dir: string) => void | Promise<void>> = {};
