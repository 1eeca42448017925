export { sampleMarker, writeSampleImage, type SampleImage, type SampleImageOptions } from './sample-image';
