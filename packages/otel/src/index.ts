export { type RcPackage, rcChannels } from './channels'
export { type InstrumentRcOptions, instrumentRc, type RcInstrumentation } from './instrument'
