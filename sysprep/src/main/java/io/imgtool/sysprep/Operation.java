package io.imgtool.sysprep;

import java.io.IOException;
import java.util.List;

/**
 * One sealing operation: what {@code imgtool seal --list-operations} shows and the function that
 * does it. Implementations are stateless; everything they need comes from the {@link GuestContext},
 * and they touch the guest only through {@link GuestContext#files()}.
 *
 * <p>An operation must be idempotent: run a second time on its own result, it changes nothing.
 */
public interface Operation {

    /** The name users select it by: lower case letters, digits and '-'. */
    String name();

    /** One line, no trailing period ("Remove the bash history in the guest"). */
    String heading();

    /** What it does and why, one or more paragraphs of plain text. */
    String description();

    /** Whether it runs when the user does not choose operations. */
    boolean enabledByDefault();

    /** Other names accepted for it (an earlier or a virt-sysprep spelling). */
    default List<String> aliases() {
        return List.of();
    }

    /** Run order: lower first, then by name. Operations that must see the others' result run late. */
    default int order() {
        return 0;
    }

    /**
     * The guest paths or glob patterns it removes, truncates, creates or changes on guests of
     * {@code family}; empty where it does nothing. Used for documentation and --list-operations.
     */
    List<String> paths(OsFamily family);

    /** Does the work. Must be idempotent and must use only {@code guest.files()} to touch files. */
    void perform(GuestContext guest) throws IOException;
}
