package dev.kascade.kernels.attention;

import dev.kascade.kernel.LaunchConfig;
import java.lang.reflect.Method;

/**
 * One kernel launch of a decode role, ready to hand to a {@code KernelLauncher} or to add to a task graph
 * (which can then time each launch with events).
 *
 * @param name   short step name: split_dense, split_layer0, split_anchor_scores, split_sparse, split_anchor_sparse, merge, pool, topk
 * @param kernel the static kernel method
 * @param config grid and block
 * @param args   the arguments after the context, {@code @Const} values included
 */
public record KernelLaunch(String name, Method kernel, LaunchConfig config, Object... args) {
    /** This launch with {@link LaunchConfig#earlyLaunch()} set. */
    public KernelLaunch early() {
        return new KernelLaunch(name, kernel, config.withEarlyLaunch(), args);
    }
}
