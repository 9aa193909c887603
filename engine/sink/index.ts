export { persistSink, type PersistSink, type SinkOptions } from './sink.js';
