import * as vscode from 'vscode';
import { getResourceById } from '../db/queries';
import type { StorageService } from '../storage/storageService';
import { documentText } from '../editor/documentFormat';
import { ResourceNode, type LibraryNode } from './nodes';

/** Dragging a resource into an editor drops its content as text. */
export class ResourceDragController implements vscode.TreeDragAndDropController<LibraryNode> {
  readonly dragMimeTypes = ['text/plain'];
  readonly dropMimeTypes: string[] = [];

  constructor(private readonly storage: StorageService) {}

  async handleDrag(source: readonly LibraryNode[], data: vscode.DataTransfer): Promise<void> {
    const node = source.find((n): n is ResourceNode => n instanceof ResourceNode);
    if (!node) return;
    const resource = await this.storage.run((s) => getResourceById(s.db, s.userId, node.resource.id));
    if (resource) data.set('text/plain', new vscode.DataTransferItem(documentText(resource.resourceType, resource.content)));
  }
}
