package io.imgtool.ext4;

import java.util.List;

/**
 * The result of {@link Ext4Volume#check()}: every problem found and how much was looked at.
 */
public record Ext4CheckReport(List<Ext4Problem> problems, long groupsChecked, long inodesChecked,
                              long directoriesChecked, long blocksChecked) {

    public boolean isClean() {
        return problems.isEmpty();
    }
}
