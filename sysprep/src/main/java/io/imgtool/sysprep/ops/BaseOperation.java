package io.imgtool.sysprep.ops;

import io.imgtool.sysprep.Operation;
import io.imgtool.sysprep.OsFamily;
import java.util.EnumSet;
import java.util.Set;

/** Name, heading, description and default state, held for the subclasses. */
abstract class BaseOperation implements Operation {

    static final Set<OsFamily> ALL = EnumSet.allOf(OsFamily.class);
    static final Set<OsFamily> RHEL = EnumSet.of(OsFamily.RHEL);
    static final Set<OsFamily> DEBIAN = EnumSet.of(OsFamily.DEBIAN);
    static final Set<OsFamily> RPM = EnumSet.of(OsFamily.RHEL, OsFamily.SUSE);

    private final String name;
    private final boolean enabledByDefault;
    private final String heading;
    private final String description;

    BaseOperation(String name, boolean enabledByDefault, String heading, String description) {
        this.name = name;
        this.enabledByDefault = enabledByDefault;
        this.heading = heading;
        this.description = description;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean enabledByDefault() {
        return enabledByDefault;
    }

    @Override
    public final String heading() {
        return heading;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public String toString() {
        return name;
    }
}
