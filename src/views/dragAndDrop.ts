import * as vscode from 'vscode';
import type { Library } from '../library/library';
import { documentText } from '../library/text';
import { ResourceNode, type LibraryNode } from './nodes';

/** Dragging a resource into an editor drops its content as text. */
export class ResourceDragController implements vscode.TreeDragAndDropController<LibraryNode> {
  readonly dragMimeTypes = ['text/plain'];
  readonly dropMimeTypes: string[] = [];

  constructor(private readonly library: Library) {}

  async handleDrag(source: readonly LibraryNode[], data: vscode.DataTransfer): Promise<void> {
    const node = source.find((n): n is ResourceNode => n instanceof ResourceNode);
    if (!node) return;
    const resource = await this.library.get(node.resource.id);
    if (resource) data.set('text/plain', new vscode.DataTransferItem(documentText(resource.resourceType, resource.content)));
  }
}
