package io.imgtool.sysprep;

import java.io.IOException;

/**
 * One offline customisation step (virt-customize's {@code --write}, {@code --hostname}, ...), run in
 * the order given by the {@code customize} operation. Implementations are records with typed
 * parameters and a {@code parse(String)} factory for the command-line form.
 */
public interface Customization {

    /** The command-line form, e.g. {@code --hostname web1}. */
    String describe();

    /** Applies the step; must be idempotent. */
    void apply(GuestContext guest) throws IOException;
}
