package dev.kascade.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kascade.kernel.F32Buffer;
import dev.kascade.kernel.KernelContext;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Method-reference resolution through {@code SerializedLambda}, argument checks and constants. */
class KernelMethodsTest {
    @Test
    void methodReferencesResolveToTheStaticMethod() throws Exception {
        Tasks.Task4<F32Buffer, F32Buffer, F32Buffer, Integer> ref = TestKernels::add;
        Method m = KernelMethods.resolve(ref);
        assertEquals(TestKernels.class.getDeclaredMethod("add", KernelContext.class, F32Buffer.class, F32Buffer.class,
                F32Buffer.class, int.class), m);
        Tasks.Task3<F32Buffer, Integer, Integer> scale = TestKernels::scale;
        assertEquals("scale", KernelMethods.resolve(scale).getName());
    }

    @Test
    void lambdasAndInstanceMethodsAreRefused() {
        Tasks.Task1<F32Buffer> lambda = (ctx, a) -> a.set(0, 1f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelMethods.resolve(lambda));
        assertTrue(e.getMessage().contains("lambda"), e.getMessage());
        Instance inst = new Instance();
        Tasks.Task1<F32Buffer> bound = inst::kernel;
        e = assertThrows(IllegalArgumentException.class, () -> KernelMethods.resolve(bound));
        assertTrue(e.getMessage().contains("not a static method"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelMethods.resolve(null));
    }

    static final class Instance {
        void kernel(KernelContext ctx, F32Buffer a) {
        }
    }

    @Test
    void kernelShapeIsChecked() throws Exception {
        Method notKernel = TestKernels.class.getDeclaredMethod("notAKernel", F32Buffer.class);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelMethods.validate(notKernel));
        assertTrue(e.getMessage().contains("KernelContext"), e.getMessage());
    }

    @Test
    void argumentsAreCheckedAgainstParameterTypes() throws Exception {
        Method add = TestKernels.class.getDeclaredMethod("add", KernelContext.class, F32Buffer.class, F32Buffer.class,
                F32Buffer.class, int.class);
        F32Buffer a = F32Buffer.of(new float[3]);
        KernelMethods.checkArguments(add, new Object[] {a, a, a, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelMethods.checkArguments(add, new Object[] {a, a, a}));
        assertTrue(e.getMessage().contains("takes 4 arguments"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KernelMethods.checkArguments(add, new Object[] {a, a, a, 3L}));
        assertTrue(e.getMessage().contains("'n'") && e.getMessage().contains("expects int but got Long"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KernelMethods.checkArguments(add, new Object[] {a, null, a, 3}));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
    }

    @Test
    void constantsAreKeyedByParameterName() throws Exception {
        Method scale = TestKernels.class.getDeclaredMethod("scale", KernelContext.class, F32Buffer.class, int.class, int.class);
        Map<String, Object> c = KernelMethods.constants(scale, new Object[] {F32Buffer.of(new float[1]), 4, 1});
        assertEquals(Map.of("factor", 4), c);
        assertEquals(List.of("factor"), List.copyOf(c.keySet()));
    }
}
