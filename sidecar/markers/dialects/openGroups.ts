// The groups a CI dialect opened itself, innermost last. A dialect's "end" command names its
// own group (GitHub's ::endgroup:: names none, GitLab's section_end a section id that is not
// the header shown), so the dialect turns it into STEP_COMPLETE of the step name it gave the
// group: in mixed output a StepFlow step opened inside the group is closed with it, and an
// end of a group that is not open stays an ordinary line.
export class OpenGroups {
  private readonly stack: Array<{ key: string; name: string }> = [];

  open(key: string, name: string): void {
    this.stack.push({ key, name });
  }

  /** Closes the innermost group with this key (and the ones inside it); its step name, or undefined. */
  close(key: string): string | undefined {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      if (this.stack[i]!.key === key) {
        const { name } = this.stack[i]!;
        this.stack.length = i;
        return name;
      }
    }
    return undefined;
  }

  /** Closes the innermost group, whatever its key; its step name, or undefined when none is open. */
  closeInnermost(): string | undefined {
    return this.stack.pop()?.name;
  }
}
