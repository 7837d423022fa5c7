using System.Reflection;
using System.Reflection.Emit;

namespace Dsd.Tests.Architecture;

/// <summary>
/// Which types a type uses, read by reflection: base type, interfaces, fields, properties, events, method and constructor
/// signatures, attributes, generic arguments, and every type, field and method token in the IL of its method bodies.
/// Nested types (lambdas' closures, iterators, async state machines) count as their outermost type.
/// </summary>
public static class TypeReferences
{
    const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The outermost declaring type's namespace: a nested type belongs where its outer type is.</summary>
    public static string? NamespaceOf(Type type)
    {
        while (type.IsNested) type = type.DeclaringType!;
        return type.Namespace;
    }

    /// <summary>Every type <paramref name="type"/> refers to (element types and generic arguments unwrapped).</summary>
    public static HashSet<Type> Of(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null || t.IsGenericParameter) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var a in t.GetGenericArguments()) Add(a);
                t = t.GetGenericTypeDefinition();
            }
            found.Add(t);
        }
        void AddAttributes(MemberInfo m)
        {
            foreach (var a in m.GetCustomAttributesData()) Add(a.AttributeType);
        }
        void AddMethod(MethodBase m)
        {
            AddAttributes(m);
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
            if (m is MethodInfo mi) Add(mi.ReturnType);
            var body = m.GetMethodBody();
            if (body is null) return;
            foreach (var local in body.LocalVariables) Add(local.LocalType);
            foreach (var clause in body.ExceptionHandlingClauses)
                if (clause.Flags == ExceptionHandlingClauseOptions.Clause) Add(clause.CatchType);
            foreach (var token in IlTokens(body.GetILAsByteArray()!))
                AddToken(m, token);
        }
        void AddToken(MethodBase m, int token)
        {
            var typeArgs = m.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
            var methodArgs = m.IsGenericMethod ? m.GetGenericArguments() : null;
            var member = m.Module.ResolveMember(token, typeArgs, methodArgs);
            switch (member)
            {
                case Type t: Add(t); break;
                case FieldInfo f: Add(f.DeclaringType); Add(f.FieldType); break;
                case MethodBase callee:
                    Add(callee.DeclaringType);
                    foreach (var p in callee.GetParameters()) Add(p.ParameterType);
                    if (callee is MethodInfo ci) { Add(ci.ReturnType); if (ci.IsGenericMethod) foreach (var a in ci.GetGenericArguments()) Add(a); }
                    break;
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        AddAttributes(type);
        foreach (var f in type.GetFields(Declared)) { Add(f.FieldType); AddAttributes(f); }
        foreach (var p in type.GetProperties(Declared)) { Add(p.PropertyType); AddAttributes(p); }
        foreach (var e in type.GetEvents(Declared)) Add(e.EventHandlerType);
        foreach (var c in type.GetConstructors(Declared)) AddMethod(c);
        foreach (var m in type.GetMethods(Declared)) AddMethod(m);
        found.Remove(type);
        return found;
    }

    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The metadata tokens of the instructions that name a type, field or method.</summary>
    static IEnumerable<int> IlTokens(byte[] il)
    {
        for (var i = 0; i < il.Length;)
        {
            short value = il[i++];
            if (value == 0xFE) value = (short)(0xFE00 | il[i++]);
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineType or OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok:
                    yield return BitConverter.ToInt32(il, i);
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: i += 8; break;
                default: i += 4; break; // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
            }
        }
    }
}
