package dev.kascade.ptx;

import java.util.List;

/**
 * The result of compiling one kernel for one set of specialisation constants: PTX text with a single
 * {@code .entry}, and what the launcher needs to call it.
 *
 * @param entryName         the {@code .entry} symbol to look up with {@code cuModuleGetFunction}
 * @param ptx               the module text ({@code .version}, {@code .target}, {@code .entry} ...)
 * @param target            the architecture it was compiled for
 * @param params            the entry parameters, in order
 * @param staticSharedBytes bytes of static shared memory the kernel declares
 */
public record PtxModule(String entryName, String ptx, PtxTarget target, List<PtxParam> params, int staticSharedBytes) {
}
