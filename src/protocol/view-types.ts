/** The panels' view types, apart from their message schemas: the extension's start-up shell needs only these. */
export const WIZARD_VIEW_TYPE = 'geusemaker.wizard';
export const COST_VIEW_TYPE = 'geusemaker.cost';
export const HEALTH_VIEW_TYPE = 'geusemaker.health';
export const PANEL_VIEW_TYPES = [WIZARD_VIEW_TYPE, COST_VIEW_TYPE, HEALTH_VIEW_TYPE] as const;
