package io.imgtool.cli;

import io.imgtool.core.ImageException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Turns exceptions into one-line messages and documented exit codes. Stack traces only for bugs, and
 * only with {@code IMGTOOL_DEBUG=1}.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        Throwable t = unwrap(ex);
        int code;
        String message;
        if (t instanceof ImageException ie) {
            code = ExitCodes.of(ie.kind());
            message = ie.getMessage();
        } else if (t instanceof NoSuchFileException e) {
            code = ExitCodes.CORRUPT;
            message = "no such file: " + e.getFile();
        } else if (t instanceof FileAlreadyExistsException e) {
            code = ExitCodes.USAGE;
            message = "already exists: " + e.getFile() + " (imgtool never overwrites an existing file)";
        } else if (t instanceof AccessDeniedException e) {
            code = ExitCodes.IO_ERROR;
            message = "permission denied: " + e.getFile();
        } else if (t instanceof FileSystemException e) {
            code = ExitCodes.IO_ERROR;
            message = e.getMessage();
        } else if (t instanceof java.io.IOException e) {
            code = ExitCodes.IO_ERROR;
            message = e.getMessage() == null ? e.toString() : e.getMessage();
        } else if (t instanceof IllegalArgumentException e) {
            code = ExitCodes.USAGE;
            message = e.getMessage();
        } else {
            code = ExitCodes.INTERNAL;
            message = "internal error: " + t + (debug() ? "" : " (set IMGTOOL_DEBUG=1 for the stack trace)");
        }
        err.println(cmd.getColorScheme().errorText(name + ": " + message));
        if (debug()) {
            t.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.io.UncheckedIOException
                || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static boolean debug() {
        return "1".equals(System.getenv("IMGTOOL_DEBUG"));
    }
}
