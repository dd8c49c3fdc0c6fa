package dev.kascade.runtime;

import java.io.Serializable;

/**
 * A method reference to a static kernel method, through one of the {@link Tasks} interfaces. Serializable so
 * that the compiler records which method it refers to ({@code SerializedLambda}).
 */
public interface KernelRef extends Serializable {
}
