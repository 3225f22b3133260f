package io.imgtool.sysprep;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * The parameters operations take, besides the guest: machine-id handling, the customisation steps,
 * user-account selection, scrubbing, and the random source (injected for reproducible output).
 */
public final class SysprepOptions {

    private final MachineIdMode machineId;
    private final List<Customization> customizations;
    private final Set<String> removeUsers;
    private final Set<String> keepUsers;
    private final boolean scrub;
    private final ScrubHook scrubHook;
    private final Random random;

    private SysprepOptions(Builder b) {
        machineId = b.machineId;
        customizations = List.copyOf(b.customizations);
        removeUsers = Set.copyOf(b.removeUsers);
        keepUsers = Set.copyOf(b.keepUsers);
        scrub = b.scrub;
        scrubHook = b.scrubHook;
        random = b.random;
    }

    /** Defaults: machine-id emptied, no customisation, no scrub, a SecureRandom. */
    public static SysprepOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        Builder b = new Builder().machineId(machineId).customize(customizations).removeUsers(removeUsers)
                .keepUsers(keepUsers).scrub(scrub, scrubHook);
        b.random = random;
        return b;
    }

    public MachineIdMode machineId() {
        return machineId;
    }

    public List<Customization> customizations() {
        return customizations;
    }

    /** Users the user-account operation removes; empty means every ordinary user. */
    public Set<String> removeUsers() {
        return removeUsers;
    }

    /** Users the user-account operation keeps. */
    public Set<String> keepUsers() {
        return keepUsers;
    }

    public boolean scrub() {
        return scrub;
    }

    public ScrubHook scrubHook() {
        return scrubHook;
    }

    public Random random() {
        return random;
    }

    /** Builder; every setter returns this. */
    public static final class Builder {
        private MachineIdMode machineId = MachineIdMode.EMPTY;
        private final List<Customization> customizations = new ArrayList<>();
        private final Set<String> removeUsers = new LinkedHashSet<>();
        private final Set<String> keepUsers = new LinkedHashSet<>();
        private boolean scrub;
        private ScrubHook scrubHook = ScrubHook.NONE;
        private Random random = new SecureRandom();

        public Builder machineId(MachineIdMode mode) {
            machineId = Objects.requireNonNull(mode);
            return this;
        }

        public Builder customize(Customization step) {
            customizations.add(Objects.requireNonNull(step));
            return this;
        }

        public Builder customize(Collection<? extends Customization> steps) {
            steps.forEach(this::customize);
            return this;
        }

        public Builder removeUsers(Collection<String> users) {
            removeUsers.addAll(users);
            return this;
        }

        public Builder keepUsers(Collection<String> users) {
            keepUsers.addAll(users);
            return this;
        }

        /** Scrub the data of removed files with {@code hook} ({@link ScrubHook#NONE}: report only). */
        public Builder scrub(boolean on, ScrubHook hook) {
            scrub = on;
            scrubHook = Objects.requireNonNull(hook);
            return this;
        }

        public Builder random(Random r) {
            random = Objects.requireNonNull(r);
            return this;
        }

        public SysprepOptions build() {
            return new SysprepOptions(this);
        }
    }
}
