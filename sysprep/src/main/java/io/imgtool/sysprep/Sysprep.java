package io.imgtool.sysprep;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs sealing operations over a guest root given as a {@link Path} of any filesystem: jimfs in
 * tests, imgtool's ext4 FileSystem in the seal pipeline, or a host directory.
 *
 * <pre>{@code
 * SysprepReport r = Sysprep.builder()
 *         .root(ext4.getPath("/"))
 *         .selection(Selection.defaults().disable("logfiles"))
 *         .options(SysprepOptions.builder().machineId(MachineIdMode.UNINITIALIZED).build())
 *         .dryRun(true)
 *         .run();
 * }</pre>
 */
public final class Sysprep {

    private Sysprep() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of one run; {@link #run()} does it. */
    public static final class Builder {
        private Path root;
        private Registry registry;
        private Selection selection = Selection.defaults();
        private List<Operation> operations;
        private SysprepOptions options = SysprepOptions.defaults();
        private boolean dryRun;
        private OsInfo os;
        private Consumer<Change> listener = c -> { };
        private List<GuestResolver.Mount> mounts = List.of();

        /** The guest's "/" (required). */
        public Builder root(Path root) {
            this.root = Objects.requireNonNull(root);
            return this;
        }

        /**
         * Filesystems mounted into the guest below {@link #root} (its /etc/fstab: /boot, /var,
         * /home...): guest paths below a mount point go to that filesystem.
         */
        public Builder mounts(List<GuestResolver.Mount> mounts) {
            this.mounts = List.copyOf(mounts);
            return this;
        }

        /** The known operations (default {@link Registry#standard()}). */
        public Builder registry(Registry registry) {
            this.registry = Objects.requireNonNull(registry);
            return this;
        }

        /** Chooses the operations from the registry (default: the default set). */
        public Builder selection(Selection selection) {
            this.selection = Objects.requireNonNull(selection);
            this.operations = null;
            return this;
        }

        /** Runs exactly these operations (in run order), bypassing the selection. */
        public Builder operations(List<Operation> ops) {
            this.operations = List.copyOf(ops);
            return this;
        }

        public Builder options(SysprepOptions options) {
            this.options = Objects.requireNonNull(options);
            return this;
        }

        /** Records what would change and writes nothing. */
        public Builder dryRun(boolean dryRun) {
            this.dryRun = dryRun;
            return this;
        }

        /** Overrides OS detection. */
        public Builder os(OsInfo os) {
            this.os = os;
            return this;
        }

        /** Called for every change as it is recorded (progress output). */
        public Builder listener(Consumer<Change> listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /**
         * Runs the operations.
         *
         * @throws IllegalArgumentException if an option is given for an operation that is not
         *     selected (customisation steps without {@code customize}, user lists without
         *     {@code user-account})
         */
        public SysprepReport run() throws IOException {
            Objects.requireNonNull(root, "root");
            Registry reg = registry == null ? Registry.standard() : registry;
            List<Operation> ops = operations != null ? Registry.runOrder(operations) : selection.resolve(reg);
            List<String> names = new ArrayList<>();
            for (Operation op : ops) {
                names.add(op.name());
            }
            if (!options.customizations().isEmpty() && !names.contains("customize")) {
                throw new IllegalArgumentException("customisation options were given but the 'customize' operation is not enabled");
            }
            if ((!options.removeUsers().isEmpty() || !options.keepUsers().isEmpty()) && !names.contains("user-account")) {
                throw new IllegalArgumentException("--remove-user-accounts/--keep-user-accounts were given but the 'user-account' operation is not enabled");
            }
            ChangeRecorder recorder = new ChangeRecorder(listener);
            GuestFiles files = new GuestFiles(new GuestResolver(root, mounts), recorder, dryRun,
                    options.scrub() ? options.scrubHook() : null);
            OsInfo detected = os != null ? os : GuestContext.detectOs(files);
            GuestContext ctx = new GuestContext(files, detected, options, recorder);
            for (Operation op : ops) {
                recorder.begin(op.name());
                op.perform(ctx);
            }
            for (String m : files.skippedMounts()) {
                ctx.warn("not searched: " + m + " (" + files.resolver().mountAt(m).map(GuestResolver.Mount::description)
                        .orElse("a filesystem imgtool cannot open") + ")");
            }
            return new SysprepReport(detected, names, recorder.changes(), ctx.warnings(), ctx.notes(), dryRun);
        }
    }
}
