package io.imgtool.gpt;

import io.imgtool.gpt.ondisk.Guids;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A GPT partition type: its GUID, a display name, the short aliases imgtool accepts on the command
 * line, and the sgdisk hex code where there is one. Sources: the UEFI specification (ESP), the
 * Discoverable Partitions Specification of the UAPI group (Linux types, root and /usr per
 * architecture), and sgdisk's type list for the codes.
 *
 * @param guid the type GUID
 * @param name a display name ("Linux filesystem", "Linux root (x86-64)"); "unknown" for unlisted GUIDs
 * @param aliases short names accepted by {@link #parse}, first one canonical; empty for unknown types
 * @param sgdiskCode sgdisk's four-digit hex code ("8300"), or null
 */
public record PartitionType(UUID guid, String name, List<String> aliases, String sgdiskCode) {

    public PartitionType {
        aliases = List.copyOf(aliases);
    }

    private static final Map<UUID, PartitionType> BY_GUID = new LinkedHashMap<>();
    private static final Map<String, PartitionType> BY_ALIAS = new LinkedHashMap<>();
    private static final Map<String, PartitionType> BY_CODE = new LinkedHashMap<>();

    public static final PartitionType LINUX = def("0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem", "8300",
            "linux", "linux-data", "linux-filesystem");
    public static final PartitionType ESP = def("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System", "EF00",
            "esp", "efi", "uefi");
    public static final PartitionType BIOS_BOOT = def("21686148-6449-6E6F-744E-656564454649", "BIOS boot", "EF02",
            "bios-boot", "bios");
    public static final PartitionType SWAP = def("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap", "8200",
            "swap", "linux-swap");
    public static final PartitionType LINUX_HOME = def("933AC7E1-2EB4-4F13-B844-0E14E2AEF915", "Linux home", "8302",
            "linux-home", "home");
    public static final PartitionType ROOT_X86_64 = def("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709",
            "Linux root (x86-64)", "8304", "root-x86-64", "root-amd64");
    public static final PartitionType ROOT_ARM64 = def("B921B045-1DF0-41C3-AF44-4C6F280D3FAE",
            "Linux root (ARM-64)", "8305", "root-aarch64", "root-arm64");

    /** The Discoverable Partitions root types, one per architecture. */
    private static final List<PartitionType> ROOTS;

    static {
        List<PartitionType> roots = new ArrayList<>(List.of(ROOT_X86_64, ROOT_ARM64));
        roots.add(def("44479540-F297-41B2-9AF7-D131D5F0458A", "Linux root (x86)", "8303", "root-x86", "root-i386"));
        roots.add(def("69DAD710-2CE4-4E3C-B16C-21A1D49ABED3", "Linux root (ARM)", "8307", "root-arm", "root-arm32"));
        roots.add(def("993D8D3D-F80E-4225-855A-9DAF8ED7EA97", "Linux root (IA-64)", null, "root-ia64"));
        roots.add(def("77055800-792C-4F94-B39A-98C91B762BB6", "Linux root (LoongArch 64)", null, "root-loongarch64"));
        roots.add(def("60D5A7FE-8E7D-435C-B714-3DD8162144E1", "Linux root (RISC-V 32)", null, "root-riscv32"));
        roots.add(def("72EC70A6-CF74-40E6-BD49-4BDA08E8F224", "Linux root (RISC-V 64)", null, "root-riscv64"));
        roots.add(def("1DE3F1EF-FA98-47B5-8DCD-4A860A654D78", "Linux root (PPC)", null, "root-ppc"));
        roots.add(def("912ADE1D-A839-4913-8964-A10EEE08FBD2", "Linux root (PPC64)", null, "root-ppc64"));
        roots.add(def("C31C45E6-3F39-412E-80FB-4809C4980599", "Linux root (PPC64LE)", null, "root-ppc64-le",
                "root-ppc64le"));
        roots.add(def("08A7ACEA-624C-4A20-91E8-6E0FA67D23F9", "Linux root (s390)", null, "root-s390"));
        roots.add(def("5EEAD9A9-FE09-4A1E-A1D7-520D00531306", "Linux root (s390x)", null, "root-s390x"));
        roots.add(def("6523F8AE-3EB1-4E2A-A05A-18B695AE656F", "Linux root (Alpha)", null, "root-alpha"));
        roots.add(def("D27F46ED-2919-4CB8-BD25-9531F3C16534", "Linux root (ARC)", null, "root-arc"));
        roots.add(def("0CF191C8-3B54-433A-B715-68C6FA4086DE", "Linux root (M68K)", null, "root-m68k"));
        roots.add(def("E9434544-6E2C-47CC-BAE2-12D6DEAFB44C", "Linux root (MIPS)", null, "root-mips"));
        roots.add(def("D113AF76-80EF-41B4-BDB6-0CFF4D3D4A25", "Linux root (MIPS64)", null, "root-mips64"));
        roots.add(def("37C58C8A-D913-4156-A25F-48B1B64E07F0", "Linux root (MIPS LE)", null, "root-mips-le",
                "root-mipsel"));
        roots.add(def("700BDA43-7A34-4507-B179-EEB93D7A7CA3", "Linux root (MIPS64 LE)", null, "root-mips64-le",
                "root-mips64el"));
        roots.add(def("1AACDB3B-5444-4138-BD9E-E5C2239B2346", "Linux root (PA-RISC)", null, "root-parisc"));
        roots.add(def("F7B4D167-1E51-42A9-8151-EC96C2E99478", "Linux root (SPARC64)", null, "root-sparc64"));
        roots.add(def("7B8F86B1-397A-4E1C-9EB0-850983BAEDC4", "Linux root (SuperH)", null, "root-sh4"));
        roots.add(def("C50CDD70-3862-4CC3-90E1-809A8C93EE2C", "Linux root (TILE-Gx)", null, "root-tilegx"));
        ROOTS = List.copyOf(roots);

        def("8484680C-9521-48C6-9C11-B0720656F69E", "Linux /usr (x86-64)", "8314", "usr-x86-64", "usr-amd64");
        def("B0E01050-EE5F-4390-949A-9101B17104E9", "Linux /usr (ARM-64)", null, "usr-aarch64", "usr-arm64");
        def("75250D76-8CC6-458E-BD66-BD47CC81A812", "Linux /usr (x86)", null, "usr-x86");
        def("7D0359A3-02B3-4F0A-865C-654403E70625", "Linux /usr (ARM)", null, "usr-arm");
        def("BEAEC34B-8442-439B-A40B-984381ED097D", "Linux /usr (RISC-V 64)", null, "usr-riscv64");
        def("2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5", "Linux root verity (x86-64)", null, "root-x86-64-verity");
        def("77FF5F63-E7B6-4633-ACF4-1565B864C0E6", "Linux /usr verity (x86-64)", "8319", "usr-x86-64-verity");
        def("3B8F8425-20E0-4F3B-907F-1A25A76F98E8", "Linux /srv", "8306", "srv", "linux-srv");
        def("4D21B016-B534-45C2-A9FB-5C16E091FD2D", "Linux /var", "8310", "var", "linux-var");
        def("7EC6F557-3BC5-4ACA-B293-16EF5DF639D1", "Linux /var/tmp", "8311", "var-tmp", "tmp");
        def("773F91EF-66D4-49B5-BD83-D683BF40AD16", "Linux user's home", "8312", "user-home");
        def("BC13C2FF-59E6-4262-A352-B275FD6F7172", "Linux extended boot", "EA00", "xbootldr");
        def("E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM", "8E00", "lvm", "linux-lvm");
        def("A19D880F-05FC-4D3B-A006-743F0F84911E", "Linux RAID", "FD00", "raid", "linux-raid");
        def("CA7D7CCB-63ED-4C53-861C-1742536059CC", "Linux LUKS", "8309", "luks", "linux-luks");
        def("7FFEC5C9-2D00-49B7-8941-3EA10A5586B7", "Linux dm-crypt", "8308", "dm-crypt", "linux-dm-crypt");
        def("8DA63339-0007-60C0-C436-083AC8230908", "Linux reserved", "8301", "linux-reserved");
        def("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Microsoft basic data", "0700", "ms-basic-data", "msdata");
        def("E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved", "0C01", "ms-reserved", "msr");
        def("DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows recovery", "2700", "windows-recovery", "winre");
    }

    private static PartitionType def(String guid, String name, String code, String... aliases) {
        PartitionType t = new PartitionType(UUID.fromString(guid), name, List.of(aliases), code);
        if (BY_GUID.putIfAbsent(t.guid, t) != null) {
            throw new ExceptionInInitializerError("duplicate partition type " + guid);
        }
        for (String a : aliases) {
            if (BY_ALIAS.putIfAbsent(a, t) != null) {
                throw new ExceptionInInitializerError("duplicate partition type alias " + a);
            }
        }
        if (code != null) {
            BY_CODE.put(code, t);
        }
        return t;
    }

    /** Every type imgtool knows by name, in a stable order. */
    public static List<PartitionType> known() {
        return Collections.unmodifiableList(new ArrayList<>(BY_GUID.values()));
    }

    /** The Discoverable Partitions root types (one per architecture). */
    public static List<PartitionType> discoverableRoots() {
        return ROOTS;
    }

    /** The known type with this GUID, or an "unknown" type carrying it. */
    public static PartitionType of(UUID guid) {
        PartitionType t = BY_GUID.get(guid);
        return t != null ? t : new PartitionType(guid, guid.equals(Guids.ZERO) ? "unused" : "unknown", List.of(), null);
    }

    /**
     * Parses an alias ("linux", "esp", "root-x86-64", case-insensitive), an sgdisk code ("8300",
     * "ef00") or a GUID. IllegalArgumentException for anything else, listing a few aliases.
     */
    public static PartitionType parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        PartitionType t = BY_ALIAS.get(s);
        if (t != null) {
            return t;
        }
        t = BY_CODE.get(s.toUpperCase(Locale.ROOT));
        if (t != null) {
            return t;
        }
        try {
            return of(Guids.parse(s));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown partition type '" + text
                    + "': use a GUID, an sgdisk code such as 8300, or an alias such as linux, esp, bios-boot, swap, "
                    + "linux-home, root-x86-64, root-aarch64 (imgtool part types lists them)");
        }
    }

    /** Whether this is the generic Linux data type or a Discoverable Partitions root type. */
    public boolean isLinuxDataOrRoot() {
        return this.guid.equals(LINUX.guid) || isDiscoverableRoot();
    }

    /** Whether this is one of the Discoverable Partitions root types. */
    public boolean isDiscoverableRoot() {
        return ROOTS.stream().anyMatch(r -> r.guid.equals(guid));
    }

    /** Whether imgtool knows this type by name. */
    public boolean isKnown() {
        return BY_GUID.containsKey(guid);
    }

    /** The canonical alias, or the GUID's text for types without one. */
    public String shortName() {
        return aliases.isEmpty() ? Guids.toText(guid) : aliases.get(0);
    }
}
