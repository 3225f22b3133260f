package io.imgtool.ext4.nio;

import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;

/**
 * Owners are numbers on disk: a guest's names live in its /etc/passwd, not the host's, so principals
 * are named by their number ("1000").
 */
final class NumericPrincipal {

    private NumericPrincipal() {
    }

    record User(long id) implements UserPrincipal {
        @Override
        public String getName() {
            return Long.toString(id);
        }

        @Override
        public String toString() {
            return getName();
        }
    }

    record Group(long id) implements GroupPrincipal {
        @Override
        public String getName() {
            return Long.toString(id);
        }

        @Override
        public String toString() {
            return getName();
        }
    }
}
