package io.imgtool.core;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.Optional;

/**
 * Downcalls to C functions through the Foreign Function and Memory API (final since Java 22), reached
 * by reflection so that the jar still runs on Java 17. One place decides when native calls are
 * allowed (Java 22 or newer, Linux, not turned off with {@code -Dimgtool.native=false}) and binds a
 * symbol to a {@link MethodHandle} from a C signature; {@code NativeFiles} (libc) and the qcow2
 * module's libzstd binding use it. Internal support, not API.
 *
 * <p>Launch with {@code --enable-native-access=ALL-UNNAMED} to silence the JDK's warning about
 * restricted methods.
 */
public final class ForeignCalls {

    /** The C types the callers need: {@code void}, {@code int}, 64-bit integers and pointers. */
    public enum Type { VOID, INT, LONG, ADDRESS }

    private final Object linker;
    private final Object lookup;
    private final Method find;
    private final Method descOf;
    private final Method descOfVoid;
    private final Method downcall;
    private final Object noOptions;
    private final Class<?> layoutClass;
    private final Object[] layouts;

    private ForeignCalls(String library) throws ReflectiveOperationException {
        Class<?> linkerC = foreignClass("Linker");
        Class<?> optionC = foreignClass("Linker$Option");
        Class<?> lookupC = foreignClass("SymbolLookup");
        Class<?> descC = foreignClass("FunctionDescriptor");
        Class<?> valueLayoutC = foreignClass("ValueLayout");
        layoutClass = foreignClass("MemoryLayout");
        linker = linkerC.getMethod("nativeLinker").invoke(null);
        if (library == null) {
            lookup = linkerC.getMethod("defaultLookup").invoke(linker);
        } else {
            Class<?> arenaC = foreignClass("Arena");
            Object arena = arenaC.getMethod("global").invoke(null);
            lookup = lookupC.getMethod("libraryLookup", String.class, arenaC).invoke(null, library, arena);
        }
        find = lookupC.getMethod("find", String.class);
        Class<?> layoutArray = Array.newInstance(layoutClass, 0).getClass();
        descOf = descC.getMethod("of", layoutClass, layoutArray);
        descOfVoid = descC.getMethod("ofVoid", layoutArray);
        downcall = linkerC.getMethod("downcallHandle", foreignClass("MemorySegment"), descC,
                Array.newInstance(optionC, 0).getClass());
        noOptions = Array.newInstance(optionC, 0);
        layouts = new Object[] {null, valueLayoutC.getField("JAVA_INT").get(null),
                valueLayoutC.getField("JAVA_LONG").get(null), valueLayoutC.getField("ADDRESS").get(null)};
    }

    /** Whether native calls may be made here: Java 22+, Linux, and not {@code -Dimgtool.native=false}. */
    public static boolean allowed() {
        return Runtime.version().feature() >= 22 && !"false".equals(System.getProperty("imgtool.native"))
                && System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
    }

    /** The C library's functions (the linker's default lookup), or null when native calls are not allowed or fail. */
    public static ForeignCalls libc() {
        return open(null);
    }

    /** The functions of a shared library found by the dynamic loader ({@code "libzstd.so.1"}), or null. */
    public static ForeignCalls library(String name) {
        return open(name);
    }

    private static ForeignCalls open(String library) {
        if (!allowed()) {
            return null;
        }
        try {
            return new ForeignCalls(library);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // no such library, or an FFM API other than Java 22's
        }
    }

    /** A class of {@code java.lang.foreign} by its binary simple name ("Arena", "Linker$Option"). */
    public static Class<?> foreignClass(String name) throws ClassNotFoundException {
        return Class.forName("java.lang.foreign." + name);
    }

    /** The size of a C pointer in bytes. */
    public long addressSize() throws ReflectiveOperationException {
        return (long) layoutClass.getMethod("byteSize").invoke(layouts[Type.ADDRESS.ordinal()]);
    }

    /**
     * A handle calling {@code symbol} as {@code ret symbol(args...)}: {@code int} and {@code long} map
     * to Java's, pointers to {@code MemorySegment}. Null when the symbol is not there.
     */
    public MethodHandle function(String symbol, Type ret, Type... args) {
        try {
            Optional<?> sym = (Optional<?>) find.invoke(lookup, symbol);
            if (sym.isEmpty()) {
                return null;
            }
            Object argLayouts = Array.newInstance(layoutClass, args.length);
            for (int i = 0; i < args.length; i++) {
                Array.set(argLayouts, i, layouts[args[i].ordinal()]);
            }
            Object desc = ret == Type.VOID ? descOfVoid.invoke(null, argLayouts)
                    : descOf.invoke(null, layouts[ret.ordinal()], argLayouts);
            return (MethodHandle) downcall.invoke(linker, sym.get(), desc, noOptions);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
