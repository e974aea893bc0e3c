"""Writes ONNX backend-style test folders for RNN/GRU/LSTM variants the node suite lacks
(bidirectional, reverse, sequence lengths, initial states, peepholes, clip, input_forget,
linear_before_reset, non-default activations), with onnxruntime's outputs as the expected
values. Usage: make-recurrent-cases.py OUTDIR"""
import numpy as np, onnx, onnxruntime as ort, os, sys
os.makedirs(sys.argv[1], exist_ok=True)
os.chdir(sys.argv[1])
from onnx import helper, TensorProto, numpy_helper
rng = np.random.default_rng(0)
def case(name, op, attrs, gates, dirs, T=4, B=3, I=2, H=3, lens=None, init=False, peep=False, bias=True):
    X = rng.standard_normal((T,B,I)).astype(np.float32)
    W = rng.standard_normal((dirs,gates*H,I)).astype(np.float32)*0.5
    R = rng.standard_normal((dirs,gates*H,H)).astype(np.float32)*0.5
    feeds = {'X':X,'W':W,'R':R}
    names = ['X','W','R']
    if bias: feeds['B']=rng.standard_normal((dirs,2*gates*H)).astype(np.float32)*0.3; names.append('B')
    else: names.append('')
    if lens is not None: feeds['L']=np.array(lens,dtype=np.int32); names.append('L')
    else: names.append('')
    if init:
        feeds['H0']=rng.standard_normal((dirs,B,H)).astype(np.float32); names.append('H0')
        if op=='LSTM': feeds['C0']=rng.standard_normal((dirs,B,H)).astype(np.float32); names.append('C0')
    if peep:
        if not init: names += ['','']
        feeds['P']=rng.standard_normal((dirs,3*H)).astype(np.float32)*0.3; names.append('P')
    while names and names[-1]=='': names.pop()
    outs = ['Y','Y_h'] + (['Y_c'] if op=='LSTM' else [])
    node = helper.make_node(op, names, outs, hidden_size=H, **attrs)
    ins = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(feeds[n].dtype), feeds[n].shape) for n in names if n]
    g = helper.make_graph([node], name, ins, [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs])
    m = helper.make_model(g, ir_version=8, opset_imports=[helper.make_opsetid('',14)])
    os.makedirs(name+'/test_data_set_0', exist_ok=True)
    onnx.save(m, name+'/model.onnx')
    res = ort.InferenceSession(m.SerializeToString()).run(None, {n:feeds[n] for n in names if n})
    for i,n in enumerate([n for n in names if n]):
        open(f'{name}/test_data_set_0/input_{i}.pb','wb').write(numpy_helper.from_array(feeds[n], n).SerializeToString())
    for i,(o,r) in enumerate(zip(outs,res)):
        open(f'{name}/test_data_set_0/output_{i}.pb','wb').write(numpy_helper.from_array(r, o).SerializeToString())
case('test_lstm_bidi_lens_init_peep','LSTM',dict(direction='bidirectional'),4,2,lens=[4,2,3],init=True,peep=True)
case('test_lstm_reverse_clip_forget','LSTM',dict(direction='reverse',clip=0.8,input_forget=1),4,1,lens=[1,4,3])
case('test_gru_reverse_lbr','GRU',dict(direction='reverse',linear_before_reset=1),3,1,init=True)
case('test_gru_bidi_lens','GRU',dict(direction='bidirectional'),3,2,lens=[3,4,1])
case('test_rnn_bidi_relu_clip','RNN',dict(direction='bidirectional',activations=['Relu','Tanh'],clip=1.5),1,2,init=True)
case('test_rnn_lens_affine','RNN',dict(activations=['Affine'],activation_alpha=[0.7],activation_beta=[0.2]),1,1,lens=[2,4,0])
case('test_gru_hardsigmoid','GRU',dict(activations=['HardSigmoid','Softsign'],activation_alpha=[0.3],activation_beta=[0.4]),3,1)
