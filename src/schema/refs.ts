import type {
  ArchitectureRecord,
  ComputeResourceRecord,
  ImageRecord,
  OperatingSystemRecord,
} from '../foreman/records.js';
import { builder } from './builder.js';
import type { RecordSource } from './sources.js';

/**
 * The object refs, declared before any is implemented: the types refer to each other
 * (an image to its architecture, an architecture to its images).
 */
/** Images are always read whole, so their source knows every field. */
export interface ImageSource extends RecordSource<ImageRecord> {
  readonly known: ImageRecord;
}
export type ComputeResourceSource = RecordSource<ComputeResourceRecord>;
export type ArchitectureSource = RecordSource<ArchitectureRecord>;
export type OperatingSystemSource = RecordSource<OperatingSystemRecord>;
export type NodeSource =
  | ImageSource
  | ComputeResourceSource
  | ArchitectureSource
  | OperatingSystemSource;

export const Node = builder.interfaceRef<NodeSource>('Node');
export const Image = builder.objectRef<ImageSource>('Image');
export const ComputeResource = builder.objectRef<ComputeResourceSource>('ComputeResource');
export const Architecture = builder.objectRef<ArchitectureSource>('Architecture');
export const OperatingSystem = builder.objectRef<OperatingSystemSource>('OperatingSystem');
