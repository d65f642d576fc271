export { ratePeriod, type ChargeLine, type PeriodCharges } from './rating';
